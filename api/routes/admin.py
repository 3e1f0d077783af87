"""Admins: organisations, users, API keys, the audit trail, taxonomy versions."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from sqlalchemy import select

from matcher.db.people_models import Organisation, User
from matcher.services import audit, users
from matcher.taxonomy.esco_import import activate_version, list_versions

from ..deps import PathId, DB, Admin
from ..schemas import (ApiKeyPublic, AuditEventPublic, OrganisationCreate, OrganisationPublic, TaxonomyVersionPublic,
                       UserCreate, UserPublic)

router = APIRouter(tags=["admin"])


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, db: DB, actor: Admin) -> Organisation:
    return users.create_organisation(db, actor, body.name, body.kind, body.municipality)


@router.get("/organisations", response_model=list[OrganisationPublic])
def list_organisations(db: DB, actor: Admin) -> list[Organisation]:
    return list(db.scalars(select(Organisation).order_by(Organisation.id)))


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, db: DB, actor: Admin) -> User:
    return users.create_user(db, actor, body.username, body.password, body.role, body.organisation_id)


@router.get("/users", response_model=list[UserPublic])
def list_users(db: DB, actor: Admin) -> list[User]:
    return list(db.scalars(select(User).order_by(User.id)))


@router.post("/users/{user_id}/api-keys", response_model=ApiKeyPublic, status_code=201)
def create_api_key(user_id: PathId, db: DB, actor: Admin) -> ApiKeyPublic:
    return ApiKeyPublic(api_key=users.create_api_key(db, actor, user_id))


@router.get("/audit", response_model=list[AuditEventPublic])
def audit_trail(db: DB, actor: Admin, pseudonym: str | None = Query(None, max_length=32),
                username: str | None = Query(None, max_length=80), action: str | None = Query(None, max_length=32),
                since: datetime | None = None, limit: int = Query(100, ge=1, le=1000),
                offset: int = Query(0, ge=0, le=10_000_000)) -> list:
    return audit.query(db, pseudonym, username, action, since, limit, offset)


@router.post("/taxonomy/versions/{version_id}/activate", response_model=TaxonomyVersionPublic)
def activate_taxonomy(version_id: PathId, db: DB, actor: Admin):  # noqa: ANN201
    try:
        v = activate_version(db, version_id)
    except LookupError as exc:
        from fastapi import HTTPException

        raise HTTPException(404, str(exc)) from None
    audit.record(db, actor, "activate", "taxonomy", detail={"version_id": version_id})
    db.commit()
    return v


@router.get("/taxonomy/versions", response_model=list[TaxonomyVersionPublic], tags=["analyst"])
def taxonomy_versions(db: DB, actor: Admin) -> list:
    return list_versions(db)
