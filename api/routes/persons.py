"""Operators: the people of their organisation, their profiles, matches and decisions; erasure."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.deps import DB, Operator, PathId, require
from matcher.accounts.actors import Actor
from matcher.accounts.permissions import Action
from matcher.people import service as svc
from matcher.people.schemas import (
    DecisionCreate,
    DecisionPublic,
    ErasurePublic,
    PersonCreate,
    PersonPublic,
    ProfileCreate,
    ProfilePublic,
    StoredMatchPublic,
)

router = APIRouter(tags=["persons"])


@router.post("/persons", response_model=PersonPublic, status_code=201)
def create_person(body: PersonCreate, db: DB, actor: Operator):  # noqa: ANN201
    return svc.create_person(db, actor, body.external_ref)


@router.get("/persons", response_model=list[PersonPublic])
def list_persons(db: DB, actor: Operator, q: str | None = Query(None, max_length=80, description="pseudonym prefix or file number"),
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> list:
    return svc.list_persons(db, actor, q, limit, offset)


@router.get("/persons/{person_id}", response_model=PersonPublic)
def get_person(person_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    return svc.read_person(db, actor, person_id)


@router.delete("/persons/{person_id}", response_model=ErasurePublic)
def erase_person(person_id: PathId, db: DB, actor: Annotated[Actor, Depends(require(Action.ERASE_PERSON))]) -> ErasurePublic:
    """Erase a person (GDPR art. 17): texts and identifying fields go, anonymised outcomes stay."""
    return ErasurePublic(pseudonym=svc.erase_person(db, actor, person_id))


@router.post("/persons/{person_id}/profiles", response_model=ProfilePublic, status_code=201)
def add_profile(person_id: PathId, body: ProfileCreate, db: DB, actor: Operator, request: Request):  # noqa: ANN201
    data = svc.ProfileInput(**{**body.model_dump(), "documents": [d.model_dump() for d in body.documents]})
    return svc.add_profile(db, actor, person_id, data, request.app.state.settings.max_text_chars)


@router.get("/persons/{person_id}/profiles", response_model=list[ProfilePublic])
def list_profiles(person_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    return svc.list_profiles(db, actor, person_id)


@router.get("/persons/{person_id}/matches", response_model=list[StoredMatchPublic])
def list_matches(person_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    return svc.list_matches(db, actor, person_id)


@router.post("/persons/{person_id}/decisions", response_model=DecisionPublic, status_code=201)
def add_decision(person_id: PathId, body: DecisionCreate, db: DB, actor: Operator):  # noqa: ANN201
    return svc.add_decision(db, actor, person_id, body)


@router.get("/persons/{person_id}/decisions", response_model=list[DecisionPublic])
def list_decisions(person_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    return svc.list_decisions(db, actor, person_id)
