"""The audit trail: one appended event per read or write of personal data. No narrative text, ever."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.models import AuditEvent


def record(session: Session, actor: Actor, action: str, resource: str, pseudonym: str | None = None,
           detail: dict | None = None) -> None:
    """Add the event to the caller's transaction: it commits, or rolls back, with the change it records."""
    session.add(AuditEvent(user_id=actor.user_id, username=actor.username, role=actor.role,
                           organisation_id=actor.organisation_id, action=action, resource=resource,
                           person_pseudonym=pseudonym, endpoint=actor.endpoint, detail=detail))


def query(session: Session, pseudonym: str | None = None, username: str | None = None, action: str | None = None,
          since: datetime | None = None, limit: int = 100, offset: int = 0) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if pseudonym:
        stmt = stmt.where(AuditEvent.person_pseudonym == pseudonym)
    if username:
        stmt = stmt.where(AuditEvent.username == username)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
