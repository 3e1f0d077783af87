"""Request and response models of consent, referrals, measures and internships."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from matcher.network.service import ConsentPurpose, MeasureKind
from matcher.schema_fields import DbId, StoredPublic


class ConsentCreate(BaseModel):
    recipient_organisation_id: DbId
    purpose: ConsentPurpose


class ConsentPublic(StoredPublic):
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


class MeasurePublic(StoredPublic):
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
