"""Field types shared by the request and response models of every feature."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Database ids are 32-bit integers: anything outside is a 422, not a database error.
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]
ISCO = Field(default=None, pattern=r"^\d{4}$", description="ISCO-08 unit group, 4 characters")
LANG = Field(default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}([+-][A-Za-z]{2,3})*$")


class StoredPublic(BaseModel):
    """A response read from a stored row (its attributes), which every such row has an id for."""

    model_config = ConfigDict(from_attributes=True)
    id: int
