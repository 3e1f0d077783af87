"""Request and response models of a match: skills with evidence, occupations, the measure of doubt."""
from __future__ import annotations

from pydantic import BaseModel, Field

from matcher.schema_fields import LANG, DbId


class MatchRequest(BaseModel):
    text: str | None = Field(default=None, max_length=5000, description="a narrative; or give profile_id")
    profile_id: DbId | None = Field(default=None, description="match the profile's narrative and store the result")
    language: str | None = LANG
    label_language: str | None = LANG
    top_k: int = Field(default=10, ge=1, le=50)
    groups_first: int = Field(default=5, ge=0, le=10, description=(
        "list the best occupation of this many ISCO-4 groups first (a narrative may fit several jobs); "
        "0: by score alone"))


class EvidencePublic(BaseModel):
    start: int
    end: int
    text: str


class SkillPublic(BaseModel):
    uri: str
    label: str
    score: float
    evidence: list[EvidencePublic] = []
    skill_type: str | None = None
    label_language: str | None = Field(default=None, description="language of the label; another than asked when ESCO has none in it")


class SkillRefPublic(BaseModel):
    uri: str
    label: str


class OccupationPublic(BaseModel):
    uri: str
    label: str
    isco_code: str | None
    score: float
    essential_skills_shown: list[SkillPublic]
    essential_skills_missing: list[SkillRefPublic]
    title_evidence: list[EvidencePublic] = Field(default=[], description="where the text names the occupation itself")


class MatchPublic(BaseModel):
    id: int | None = Field(default=None, description="the stored match, when a profile was matched")
    occupations: list[OccupationPublic]
    skills: list[SkillPublic]
    needs_review: bool
    review_reasons: list[str] = []
    language: str | None = None
    taxonomy_version: int | None = None
    model_version: str | None = None
    pathways: list[dict] | None = Field(default=None, description="for a profile: the validation pathway per occupation")
