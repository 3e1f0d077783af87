"""Response model of an imported taxonomy version."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class TaxonomyVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    release: str
    languages: str
    counts: dict
    is_active: bool
    created_at: datetime
