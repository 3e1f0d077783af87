"""Analysts: pseudonymised outcome statistics (no free text, no names)."""
from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import DB, Analyst
from matcher.people.service import outcome_stats

router = APIRouter(tags=["analyst"])


@router.get("/stats/outcomes")
def outcomes(db: DB, actor: Analyst, group_digits: int = Query(1, ge=1, le=4)) -> dict:
    """Counts of decisions and outcomes per ISCO group and per narrative language."""
    return outcome_stats(db, group_digits)
