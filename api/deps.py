"""FastAPI dependencies: settings, a database session, the acting user, the matcher."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi import Path as FastAPIPath
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.state import MatcherState
from matcher.accounts.actors import Actor
from matcher.accounts.permissions import Action, ensure
from matcher.accounts.sign_in import signed_in_actor
from matcher.matching.matcher import SkillMatcher
from matcher.pathway.serving import serving_pathway
from matcher.registry.store import Registry
from matcher.settings import Settings

PathId = Annotated[int, FastAPIPath(ge=1, le=2_147_483_647, description="id")]
KeyPrefix = Annotated[str, FastAPIPath(pattern="^[0-9a-f]{8}$", description="the 8 characters after sk_ of an API key")]
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]


def current_actor(request: Request, db: DB, token: Annotated[str | None, Security(oauth2)] = None,
                  api_key: Annotated[str | None, Security(api_key_header)] = None) -> Actor:
    actor = signed_in_actor(db, request.app.state.secret, f"{request.method} {request.url.path}", token=token, api_key=api_key)
    if actor is None:
        raise HTTPException(401, "not authenticated: log in at /api/v1/auth/token or send X-API-Key",
                            headers={"WWW-Authenticate": "Bearer"})
    return actor


def require(action: Action) -> Callable[..., Actor]:
    """The signed-in actor, when the permission table lets its role do ``action`` (else 403)."""
    def dep(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        ensure(actor, action)
        return actor

    return dep


def get_matcher(request: Request, db: DB) -> SkillMatcher:
    state: MatcherState = request.app.state.matcher
    state.follow_active_taxonomy(db)
    m = state.get()
    if m is None:
        reason = state.error or ("the matcher is loading" if state.loading else "the matcher is not loaded")
        raise HTTPException(503, f"matching unavailable: {reason}")
    return m


Operator = Annotated[Actor, Depends(require(Action.CASEWORK))]
Admin = Annotated[Actor, Depends(require(Action.ADMINISTER))]
Analyst = Annotated[Actor, Depends(require(Action.ANALYSE))]
Matcher = Annotated[SkillMatcher, Depends(get_matcher)]


def get_rules(request: Request):  # noqa: ANN201
    """The serving pathway estimator, kept until the registry's serving versions change."""
    s: Settings = request.app.state.settings
    registry = Registry(s.registry_dir)
    stamp = registry.serving_stamp()
    cached = getattr(request.app.state, "pathway_model", None)
    if cached is None or cached[0] != stamp:
        cached = (stamp, serving_pathway(s, registry))
        request.app.state.pathway_model = cached
    return cached[1]


Employer = Annotated[Actor, Depends(require(Action.MANAGE_VACANCIES))]
