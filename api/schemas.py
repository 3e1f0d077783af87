"""Request and response models (Create / Update / Public families)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.registry import Slot
from matcher.services.actors import Role
from matcher.services.network import ConsentPurpose, MeasureKind
from matcher.services.persons import DecisionStatus, DocumentKind, TargetKind
from matcher.services.users import OrganisationKind
from matcher.vacancies import ContractType

# Database ids are 32-bit integers: anything outside is a 422, not a database error.
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]
ISCO = Field(default=None, pattern=r"^\d{4}$", description="ISCO-08 unit group, 4 characters")
LANG = Field(default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}([+-][A-Za-z]{2,3})*$")


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    id: int
    username: str
    role: str
    organisation_id: int | None


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    kind: OrganisationKind
    municipality: str | None = Field(default=None, max_length=120)


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    municipality: str | None
    is_active: bool = True


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    organisation_id: DbId | None = None


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    role: str
    organisation_id: int | None
    is_active: bool


class ApiKeyInfo(BaseModel):
    """An API key without its secret: the prefix it is known by."""
    model_config = ConfigDict(from_attributes=True)
    prefix: str
    user_id: int
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyPublic(BaseModel):
    api_key: str = Field(description="shown once; only its hash is kept")


class PersonCreate(BaseModel):
    external_ref: str | None = Field(default=None, max_length=80, description="the office's own file number, if any")


class PersonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    pseudonym: str
    organisation_id: int
    external_ref: str | None
    created_at: datetime


class Document(BaseModel):
    kind: DocumentKind
    title: str | None = Field(default=None, max_length=200)


class ProfileCreate(BaseModel):
    narrative: str = Field(min_length=1, max_length=5000)
    narrative_language: str | None = LANG
    languages: list[str] = Field(default_factory=list, max_length=20)
    years_experience: float | None = Field(default=None, ge=0, le=70)
    country: str | None = Field(default=None, max_length=80)
    documents: list[Document] = Field(default_factory=list, max_length=50)
    municipality: str | None = Field(default=None, max_length=120)


class ProfilePublic(ProfileCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int
    person_id: int
    version: int
    created_at: datetime


class MatchRequest(BaseModel):
    text: str | None = Field(default=None, max_length=5000, description="a narrative; or give profile_id")
    profile_id: DbId | None = Field(default=None, description="match the profile's narrative and store the result")
    language: str | None = LANG
    label_language: str | None = LANG
    top_k: int = Field(default=10, ge=1, le=50)


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


class StoredMatchPublic(BaseModel):
    id: int
    profile_id: int
    result: dict
    pathways: list[dict] | None = None
    needs_review: bool
    model_version: str
    taxonomy_version: int
    created_at: datetime


Status = DecisionStatus


class DecisionCreate(BaseModel):
    target_kind: TargetKind
    target_uri: str = Field(min_length=1, max_length=255)
    isco_code: str | None = ISCO
    status: Status
    reason: str | None = Field(default=None, max_length=1000)
    match_id: DbId | None = None
    outcome_date: date | None = None
    corrects_id: DbId | None = Field(default=None, description="the decision this record corrects (records are never changed)")


class DecisionPublic(DecisionCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int
    recorded_by: int | None
    recorded_at: datetime


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    username: str | None
    role: str | None
    organisation_id: int | None
    action: str
    resource: str
    person_pseudonym: str | None
    endpoint: str | None
    detail: dict | None


class ErasurePublic(BaseModel):
    pseudonym: str
    erased: bool = True


class TaxonomyVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    release: str
    languages: str
    counts: dict
    is_active: bool
    created_at: datetime


class VacancyCreate(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=5000)
    occupation_uri: str | None = Field(default=None, max_length=255, description="suggested from the description when left out")
    required_skills: list[str] | None = Field(default=None, max_length=100, description="ESCO skill URIs; suggested when left out")
    municipality: str = Field(min_length=2, max_length=120, description='an Italian comune, e.g. "Prato" or "Prato (PO)"')
    positions: int = Field(default=1, ge=1, le=10_000)
    contract_type: ContractType
    start_date: date | None = None
    is_shortage: bool = False


class VacancyUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=2, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    occupation_uri: str | None = Field(default=None, max_length=255)
    required_skills: list[str] | None = Field(default=None, max_length=100)
    municipality: str | None = Field(default=None, min_length=2, max_length=120)
    positions: int | None = Field(default=None, ge=1, le=10_000)
    contract_type: ContractType | None = None
    start_date: date | None = None
    is_shortage: bool | None = None


class VacancyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    title: str
    description: str
    occupation_uri: str | None
    isco_code: str | None
    required_skills: list[str]
    municipality: str
    province: str | None
    positions: int
    contract_type: str
    start_date: date | None
    is_shortage: bool
    status: str


class ShortageImportPublic(BaseModel):
    import_id: str
    rows: int
    already_imported: bool = False  # the same file, read the same way, was imported before: nothing written


class ConsentCreate(BaseModel):
    recipient_organisation_id: DbId
    purpose: ConsentPurpose


class ConsentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    recipient_organisation_id: int
    purpose: str
    recorded_by: int | None
    recorded_at: datetime
    withdrawn_at: datetime | None


class ReferralCreate(BaseModel):
    to_organisation_id: DbId
    reason: str | None = Field(default=None, max_length=1000)


class ReferralPublic(BaseModel):
    id: int
    person_id: int
    pseudonym: str | None = None
    from_organisation_id: int
    to_organisation_id: int
    consent_id: int
    reason: str | None
    status: str
    decline_reason: str | None
    created_at: datetime
    decided_at: datetime | None
    card: dict | None = None


class ReferralDecision(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


class MeasureCreate(BaseModel):
    kind: MeasureKind
    outcome: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_ /0-9-]*$")
    on_date: date | None = None


class MeasurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    kind: str
    outcome: str | None
    on_date: date
    detail: dict | None
    recorded_by: int | None


class SkillToObserve(BaseModel):
    uri: str = Field(max_length=255)
    label: str = Field(max_length=300)


class InternshipCreate(BaseModel):
    host_organisation_id: DbId
    occupation_uri: str = Field(max_length=255)
    skills_to_observe: list[SkillToObserve] | None = Field(default=None, max_length=100,
                                                           description="by default, those the pathway lists")
    start_date: date | None = None


class InternshipPublic(BaseModel):
    id: int
    pseudonym: str
    organisation_id: int
    host_organisation_id: int
    occupation_uri: str
    skills_to_observe: list[dict]
    status: str
    start_date: date
    end_date: date | None


class SkillAssessment(BaseModel):
    skill_uri: str = Field(max_length=255)
    observed: bool
    note: str | None = Field(default=None, max_length=1000)


class InternshipAssessmentCreate(BaseModel):
    assessments: list[SkillAssessment] = Field(min_length=1, max_length=100)
    end_date: date | None = None


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
