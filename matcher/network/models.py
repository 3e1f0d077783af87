"""The local network around a person: consent, referrals between organisations, the measures
taken (one timeline across organisations) and internships with the tutor's assessment."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matcher.db.base import Base, IntPk, Moment, OrganisationRef, PersonRow, Recorded, UserRef


class Consent(PersonRow, Base):
    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person", "person_id"),)

    recipient_organisation_id: Mapped[OrganisationRef]
    purpose: Mapped[str] = mapped_column(String(32))  # referral | internship | job_placement
    recorded_by: Mapped[UserRef]
    recorded_at: Mapped[Moment]
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    withdrawn_by: Mapped[UserRef]


class Referral(PersonRow, Base):
    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_person", "person_id"), Index("ix_referrals_to", "to_organisation_id", "status"))

    from_organisation_id: Mapped[OrganisationRef]
    to_organisation_id: Mapped[OrganisationRef]
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    card: Mapped[dict | None] = mapped_column(JSON, default=None)  # the profiling card as it stood
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | accepted | declined | withdrawn
    decline_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[UserRef]
    created_at: Mapped[Moment]
    decided_by: Mapped[UserRef]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Measure(PersonRow, Recorded, Base):
    """One labour-policy measure taken for a person, by one organisation. No free text."""

    __tablename__ = "measures"
    __table_args__ = (Index("ix_measures_person", "person_id"), Index("ix_measures_org", "organisation_id"))

    organisation_id: Mapped[OrganisationRef]
    kind: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    on_date: Mapped[date] = mapped_column(Date)
    detail: Mapped[dict | None] = mapped_column(JSON, default=None)  # ids and URIs only


class Internship(PersonRow, Base):
    __tablename__ = "internships"
    __table_args__ = (Index("ix_internships_person", "person_id"),)

    organisation_id: Mapped[OrganisationRef]  # the promoting organisation
    host_organisation_id: Mapped[OrganisationRef]
    occupation_uri: Mapped[str] = mapped_column(String(255))
    skills_to_observe: Mapped[list] = mapped_column(JSON)  # [{"uri", "label"}]
    status: Mapped[str] = mapped_column(String(16), default="started")  # started | completed
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_by: Mapped[UserRef]
    created_at: Mapped[Moment]


class InternshipAssessment(Recorded, Base):
    __tablename__ = "internship_assessments"

    id: Mapped[IntPk]
    internship_id: Mapped[int] = mapped_column(ForeignKey("internships.id"))
    skill_uri: Mapped[str] = mapped_column(String(255))
    observed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text, default=None)
