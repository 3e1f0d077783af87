"""Organisations, users, passwords and API keys."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matcher.accounts.actors import ROLES, Actor, Role, command_line_actor
from matcher.accounts.audit import record
from matcher.accounts.models import ApiKey, Organisation, RevokedToken, User
from matcher.db.base import utcnow
from matcher.errors import Conflict, Forbidden, Invalid, NotFound

_hasher = PasswordHasher()


class OrganisationKind(StrEnum):
    """The kinds of organisation in a local network (CPI: a public employment centre)."""

    CPI = "cpi"
    RECEPTION_CENTRE = "reception_centre"
    EMPLOYER = "employer"
    AGENCY = "agency"
    TRAINING_BODY = "training_body"


ORG_KINDS = tuple(OrganisationKind)
# verified against when the user does not exist, so that timing does not tell which names exist
_DUMMY_HASH = _hasher.hash("not a password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _add_unique(session: Session, row: object, conflict: str) -> None:
    """Add a row whose name must be unique; a duplicate is a Conflict, not a database error."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(conflict) from None


def create_organisation(session: Session, actor: Actor, name: str, kind: str, municipality: str | None = None) -> Organisation:
    if kind not in ORG_KINDS:
        raise Invalid(f"kind must be one of {', '.join(ORG_KINDS)}", [("kind", "err_org_kind_unknown")])
    org = Organisation(name=name.strip(), kind=kind, municipality=municipality)
    _add_unique(session, org, f"an organisation named {name!r} exists")
    record(session, actor, "create", "organisation", detail={"organisation_id": org.id})
    session.commit()
    return org


def create_user(session: Session, actor: Actor | None, username: str, password: str, role: str,
                organisation_id: int | None = None) -> User:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise Invalid("password must be at least 10 characters long", [("password", "err_password_short")])
    if role in ("operator", "employer"):
        if organisation_id is None:
            raise Invalid(f"a user with role {role} belongs to an organisation: give organisation_id",
                          [("organisation_id", "err_org_needed")])
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise NotFound(f"no organisation {organisation_id}")
        if not org.is_active:
            raise Invalid(f"organisation {org.name!r} is deactivated: activate it before adding users",
                          [("organisation_id", "err_org_inactive")])
        if role == "employer" and org.kind != "employer":
            raise Invalid("an employer user belongs to an organisation of kind employer", [("organisation_id", "err_org_kind")])
        if role == "operator" and org.kind == "employer":
            raise Invalid("an operator belongs to a CPI, a reception centre or another public or social service",
                          [("organisation_id", "err_org_kind")])
    user = User(username=username.strip(), password_hash=hash_password(password), role=role, organisation_id=organisation_id)
    _add_unique(session, user, f"a user named {username!r} exists")
    record(session, actor or command_line_actor(Role.ADMIN, "cli"), "create", "user", detail={"user_id": user.id, "role": role})
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not user.is_active or not verify_password(user.password_hash, password):
        return None
    return user


def create_api_key(session: Session, actor: Actor, user_id: int) -> str:
    """Return the new key, shown once: only its hash is kept.

    A key is made by its owner. An admin may make one for an analyst's reporting client, never for
    an operator or an employer: whoever holds a key acts as its user, and admins may not read people."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if actor.user_id != user.id and not (actor.role == "admin" and user.role == "analyst"):
        raise Forbidden(f"an API key of a user with role {user.role} is created by that user (POST /api/v1/me/api-keys), "
                        "so that nobody else ever holds a credential that acts as them")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    session.add(ApiKey(user_id=user_id, prefix=prefix, key_hash=hashlib.sha256(secret.encode()).hexdigest()))
    record(session, actor, "create", "api_key", detail={"user_id": user_id, "prefix": prefix})
    session.commit()
    return f"sk_{prefix}_{secret}"


def user_for_api_key(session: Session, key: str) -> User | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "sk":
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1], ApiKey.revoked_at.is_(None)))
    if row is None or not secrets.compare_digest(row.key_hash, hashlib.sha256(parts[2].encode()).hexdigest()):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def list_api_keys(session: Session, user_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id)))


def revoke_api_key(session: Session, actor: Actor, prefix: str, user_id: int | None = None) -> ApiKey:
    """Admins revoke any key; users their own (``user_id`` = theirs)."""
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or (user_id is not None and row.user_id != user_id):
        raise NotFound(f"no API key {prefix}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, actor, "revoke", "api_key", detail={"prefix": prefix, "user_id": row.user_id})
        session.commit()
    return row


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivation ends every access at once: tokens and API keys of an inactive user are refused."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if not active and user.id == actor.user_id:
        raise Invalid("an admin does not deactivate itself (another admin does)", [("user", "err_self")])
    if user.is_active != active:
        user.is_active = active
        record(session, actor, "activate" if active else "deactivate", "user", detail={"user_id": user.id})
        session.commit()
    return user


def set_organisation_active(session: Session, actor: Actor, organisation_id: int, active: bool) -> tuple[Organisation, list[int]]:
    """Deactivating an organisation (it closed, it left the network) deactivates its users in the
    same transaction, so every access of theirs ends at once; its people, decisions and measures
    stay for the record and for erasure. Activating it again does not bring its users back: an
    admin activates each one that should return. Returns the organisation and the users it deactivated."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"no organisation {organisation_id}")
    if not active and actor.organisation_id == org.id:
        raise Invalid("an admin does not deactivate its own organisation (another admin does)", [("organisation", "err_self")])
    ended: list[int] = []
    if org.is_active != active:
        org.is_active = active
        if not active:
            for user in session.scalars(select(User).where(User.organisation_id == org.id, User.is_active.is_(True))):
                user.is_active = False
                ended.append(user.id)
        record(session, actor, "activate" if active else "deactivate", "organisation",
               detail={"organisation_id": org.id, "users_deactivated": ended})
        session.commit()
    return org, ended


def revoke_token(session: Session, actor: Actor, jti: str, expires: int) -> None:
    """Logout: this token (``expires``: its exp claim, seconds since the epoch) is refused from now
    on, until it would have expired anyway."""
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, expires_at=datetime.fromtimestamp(expires, timezone.utc)))
    record(session, actor, "logout", "session")
    session.commit()


def token_revoked(session: Session, jti: str) -> bool:
    return session.get(RevokedToken, jti) is not None


def actor_for(user: User, endpoint: str | None = None) -> Actor:
    return Actor(user.id, user.username, user.role, user.organisation_id, endpoint)
