"""Admins: organisations, users, API keys, the audit trail, taxonomy versions."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from sqlalchemy import select

from api.deps import DB, Admin, KeyPrefix, PathId, require
from matcher.accounts import audit, users
from matcher.accounts.actors import Actor
from matcher.accounts.models import Organisation, User
from matcher.accounts.permissions import Action
from matcher.accounts.schemas import (
    ApiKeyInfo,
    ApiKeyPublic,
    AuditEventPublic,
    OrganisationCreate,
    OrganisationPublic,
    UserCreate,
    UserPublic,
)
from matcher.jobs import read_job
from matcher.taxonomy.esco_import import activate_version, list_versions
from matcher.taxonomy.schemas import TaxonomyVersionPublic
from matcher.taxonomy.uploads import import_uploads

router = APIRouter(tags=["admin"])


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, db: DB, actor: Admin) -> Organisation:
    return users.create_organisation(db, actor, body.name, body.kind, body.municipality)


@router.get("/organisations", response_model=list[OrganisationPublic])
def list_organisations(db: DB, actor: Admin) -> list[Organisation]:
    return list(db.scalars(select(Organisation).order_by(Organisation.id)))


@router.post("/organisations/{organisation_id}/deactivate", response_model=OrganisationPublic)
def deactivate_organisation(organisation_id: PathId, db: DB, actor: Admin) -> Organisation:
    """Deactivates the organisation and every user of it at once (their tokens and keys are refused)."""
    return users.set_organisation_active(db, actor, organisation_id, False)[0]


@router.post("/organisations/{organisation_id}/activate", response_model=OrganisationPublic)
def activate_organisation(organisation_id: PathId, db: DB, actor: Admin) -> Organisation:
    """Users may join it again; its users stay deactivated until activated one by one."""
    return users.set_organisation_active(db, actor, organisation_id, True)[0]


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, db: DB, actor: Admin) -> User:
    return users.create_user(db, actor, body.username, body.password, body.role, body.organisation_id)


@router.get("/users", response_model=list[UserPublic])
def list_users(db: DB, actor: Admin) -> list[User]:
    return list(db.scalars(select(User).order_by(User.id)))


@router.post("/users/{user_id}/api-keys", response_model=ApiKeyPublic, status_code=201)
def create_api_key(user_id: PathId, db: DB, actor: Admin) -> ApiKeyPublic:
    """A key for the admin itself or for an analyst's reporting client; operators and employers
    create their own (POST /me/api-keys): an admin never holds a credential that reads people."""
    return ApiKeyPublic(api_key=users.create_api_key(db, actor, user_id))


@router.get("/users/{user_id}/api-keys", response_model=list[ApiKeyInfo])
def list_api_keys(user_id: PathId, db: DB, actor: Admin) -> list:
    return users.list_api_keys(db, user_id)


@router.delete("/users/{user_id}/api-keys/{prefix}", response_model=ApiKeyInfo)
def revoke_api_key(user_id: PathId, prefix: KeyPrefix, db: DB, actor: Admin):  # noqa: ANN201
    return users.revoke_api_key(db, actor, prefix, user_id=user_id)


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
def deactivate_user(user_id: PathId, db: DB, actor: Admin) -> User:
    """Ends every access of the user at once (tokens and API keys are refused)."""
    return users.set_active(db, actor, user_id, False)


@router.post("/users/{user_id}/activate", response_model=UserPublic)
def activate_user(user_id: PathId, db: DB, actor: Admin) -> User:
    return users.set_active(db, actor, user_id, True)


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
        raise HTTPException(404, str(exc)) from None
    audit.record(db, actor, "activate", "taxonomy", detail={"version_id": version_id})
    db.commit()
    return v


@router.get("/taxonomy/versions", response_model=list[TaxonomyVersionPublic], tags=["analyst"])
def taxonomy_versions(db: DB, actor: Admin) -> list:
    return list_versions(db)


@router.post("/taxonomy/imports", status_code=202)
def import_taxonomy(request: Request, db: DB, actor: Admin, files: list[UploadFile] = File(...),
                    version: str = Form("unspecified", max_length=64)) -> dict:
    """Upload an ESCO CSV bundle (ZIP or CSV files, one or more languages): imported, then indexed,
    in the background; follow it at /jobs/{job_id}."""
    state = request.app.state
    job_id = import_uploads(db, actor, settings=state.settings, sessions=state.sessions, files=[(f.filename, f.file) for f in files],
                            release=version, on_ready=state.matcher.swap)
    return {"job_id": job_id}


@router.get("/jobs/{job_id}", tags=["analyst"])
def job(job_id: str, request: Request, actor: Annotated[Actor, Depends(require(Action.FOLLOW_JOBS))]) -> dict:

    state = read_job(request.app.state.settings.data_dir, job_id[:32])
    if state is None:
        raise HTTPException(404, f"no job {job_id}")
    return state
