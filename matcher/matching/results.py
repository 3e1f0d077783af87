"""What a match returns: plain dataclasses, with the field names other tools read."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Evidence:
    start: int
    end: int
    text: str


@dataclass
class SkillMatch:
    uri: str
    label: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    skill_type: str | None = None
    label_language: str | None = None  # the label's language: another than asked when the taxonomy has none in it


@dataclass
class SkillRef:
    uri: str
    label: str


@dataclass
class OccupationMatch:
    uri: str
    label: str
    isco_code: str | None
    score: float
    essential_skills_shown: list[SkillMatch] = field(default_factory=list)
    essential_skills_missing: list[SkillRef] = field(default_factory=list)
    # where the text writes out one of the occupation's labels ("facevo il cameriere"): the person
    # names the job as done, which the pathway reads
    title_evidence: list[Evidence] = field(default_factory=list)


@dataclass
class MatchResult:
    occupations: list[OccupationMatch]
    skills: list[SkillMatch]
    needs_review: bool
    review_reasons: list[str] = field(default_factory=list)
    language: str | None = None
    # the reasons as codes and figures, for pages that say them in the reader's language
    review_details: list[dict] = field(default_factory=list)
    taxonomy_version: int | None = None
    model_version: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)
