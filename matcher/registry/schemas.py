"""Request models of the model registry: promote, roll back, train."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.registry.store import Slot


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = False
    reason: str | None = Field(None, max_length=500, description="why; required when forcing")
    evaluation: str | None = Field(None, max_length=200,
                                   description="the evaluation to compare on (default: the most telling one both have)")


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slot: Slot = Slot.MATCHER


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["head", "scorer", "scorer+head", "pathway"] = "head"
    examples: int = Field(1600, ge=50, le=20_000, description="ESCO examples whose candidates train the scorer")
    epochs: int = Field(20, ge=1, le=200, description="epochs of the projection head")
