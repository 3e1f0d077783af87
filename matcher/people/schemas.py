"""Request and response models of persons, their profiles, stored matches, decisions and erasure."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from matcher.people.service import DecisionStatus, DocumentKind, TargetKind
from matcher.schema_fields import ISCO, LANG, DbId, StoredPublic


class PersonCreate(BaseModel):
    external_ref: str | None = Field(default=None, max_length=80, description="the office's own file number, if any")


class PersonPublic(StoredPublic):
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


class ErasurePublic(BaseModel):
    pseudonym: str
    erased: bool = True
