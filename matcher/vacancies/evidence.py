"""What a person brings to a vacancy, read from a stored match (and validated skills)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class PersonEvidence:
    """What a person brings, read from a stored match (and validated skills)."""

    skills: set[str]
    occupation_rank: dict[str, int]  # occupation uri -> rank in the person's match (0 = best)
    isco_rank: dict[str, int]
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_match(cls, result: dict, validated: Iterable[str] = frozenset(), place=None) -> PersonEvidence:  # noqa: ANN001
        skills = {s["uri"] for s in result.get("skills", [])}
        for o in result.get("occupations", []):
            skills |= {s["uri"] for s in o.get("essential_skills_shown", [])}
        occ_rank = {o["uri"]: i for i, o in enumerate(result.get("occupations", []))}
        isco_rank: dict[str, int] = {}
        for i, o in enumerate(result.get("occupations", [])):
            if o.get("isco_code"):
                isco_rank.setdefault(o["isco_code"], i)
        return cls(skills | set(validated), occ_rank, isco_rank,
                   place.latitude if place else None, place.longitude if place else None)
