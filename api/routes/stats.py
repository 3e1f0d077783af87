"""Analysts: pseudonymised outcome statistics and the models that serve (no free text, no names)."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from matcher.services.persons import outcome_stats

from ..deps import DB, Analyst

router = APIRouter(tags=["analyst"])


@router.get("/stats/outcomes")
def outcomes(db: DB, actor: Analyst, group_digits: int = Query(1, ge=1, le=4)) -> dict:
    """Counts of decisions and outcomes per ISCO group and per narrative language."""
    return outcome_stats(db, group_digits)


@router.get("/models")
def models(request: Request, actor: Analyst) -> dict:
    """The matcher that serves: encoder, taxonomy, index metadata and calibration."""
    m = request.app.state.matcher.get()
    if m is None:
        return {"serving": None}
    w = m.scorer_.w
    return {"serving": m.model_version, "index": m.index_.meta, "weights": w.__dict__}
