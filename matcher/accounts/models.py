"""Organisations, users, their API keys and ended tokens, and the audit trail of every access to personal data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from matcher.db.base import Base, IntPk, Moment


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # cpi | reception_centre | employer | agency | training_body
    municipality: Mapped[str | None] = mapped_column(String(120), default=None)
    # deactivated: its users were deactivated with it and no new user joins it; its records stay
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[Moment]


class User(Base):
    __tablename__ = "users"

    id: Mapped[IntPk]
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # operator | employer | analyst | admin
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Moment]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256: the keys are random, 32 bytes
    created_at: Mapped[Moment]
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AuditEvent(Base):
    """Append-only trail of every read and write of personal data. Never holds narrative text."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_person", "person_pseudonym"), Index("ix_audit_at", "at"))

    id: Mapped[IntPk]
    at: Mapped[Moment]
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    username: Mapped[str | None] = mapped_column(String(80), default=None)
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    organisation_id: Mapped[int | None] = mapped_column(Integer, default=None)
    action: Mapped[str] = mapped_column(String(32))  # read | list | create | update | erase | ...
    resource: Mapped[str] = mapped_column(String(64))
    person_pseudonym: Mapped[str | None] = mapped_column(String(32), default=None)
    endpoint: Mapped[str | None] = mapped_column(String(200), default=None)
    detail: Mapped[dict | None] = mapped_column(JSON, default=None)


class RevokedToken(Base):
    """Access tokens ended before their time (logout); kept until they would have expired."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
