"""The people served, their profiles, matches, decisions, validated skills and data keys.

A person is a pseudonymous record of one organisation: the narrative lives in versioned profiles,
and erasure removes every text and identifying field while outcome rows stay in anonymised form.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matcher.db.base import Base, IntPk, Moment, OrganisationRef, PersonRow, Recorded, UserRef


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_org", "organisation_id"),)

    id: Mapped[IntPk]
    organisation_id: Mapped[OrganisationRef]
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    # the office's own file number: sealed with the person's key, searched by its keyed hash
    external_ref: Mapped[str | None] = mapped_column(Text, default=None)
    external_ref_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)  # the person's data key (person_keys)
    created_by: Mapped[UserRef]
    created_at: Mapped[Moment]
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Profile(PersonRow, Base):
    __tablename__ = "profiles"
    __table_args__ = (UniqueConstraint("person_id", "version", name="uq_profiles_person_version"),)

    version: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text)
    narrative_language: Mapped[str | None] = mapped_column(String(16), default=None)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    years_experience: Mapped[float | None] = mapped_column(Float, default=None)
    country: Mapped[str | None] = mapped_column(String(80), default=None)
    documents: Mapped[list] = mapped_column(JSON, default=list)  # [{"kind", "title"}]
    municipality: Mapped[str | None] = mapped_column(String(120), default=None)
    created_by: Mapped[UserRef]
    created_at: Mapped[Moment]


class ValidatedSkill(PersonRow, Recorded, Base):
    """A skill observed and confirmed (by an internship tutor or an assessor): validated evidence."""

    __tablename__ = "validated_skills"
    __table_args__ = (Index("ix_validated_person", "person_id"),)

    skill_uri: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32))  # internship | assessment
    note: Mapped[str | None] = mapped_column(Text, default=None)


class MatchRecord(PersonRow, Base):
    __tablename__ = "matches"
    __table_args__ = (Index("ix_matches_person", "person_id"), Index("ix_matches_profile", "profile_id", "model_version"))

    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    organisation_id: Mapped[OrganisationRef]
    result: Mapped[dict] = mapped_column(JSON)  # holds evidence spans: personal data
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    pathways: Mapped[dict | None] = mapped_column(JSON, default=None)  # occupation uri -> pathway decision
    model_version: Mapped[str] = mapped_column(String(200))
    taxonomy_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[UserRef]
    created_at: Mapped[Moment]


class Decision(Recorded, Base):
    """What an operator decided for a suggestion and what happened; append-only.

    After erasure the row stays for statistics with no link to the person and no free text."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_person", "person_id"),)

    id: Mapped[IntPk]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id"), default=None)
    organisation_id: Mapped[OrganisationRef]
    target_kind: Mapped[str] = mapped_column(String(16))  # occupation | vacancy
    target_uri: Mapped[str] = mapped_column(String(255))
    isco_code: Mapped[str | None] = mapped_column(String(4), default=None)
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    outcome_date: Mapped[date | None] = mapped_column(Date, default=None)
    narrative_language: Mapped[str | None] = mapped_column(String(16), default=None)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), default=None)


class PersonKey(Base):
    """One data key per person, wrapped by the master key (settings). Erasure deletes the row: what
    was sealed with it — in the WAL, old pages, backups, dumps — can no longer be read."""

    __tablename__ = "person_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[str] = mapped_column(String(200))  # "<master key id>:<base64 nonce + AES-GCM ciphertext>"
    created_at: Mapped[Moment]
