"""Log in (OAuth2 password flow, rate-limited), log out, and the user's own API keys."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import DB, KeyPrefix, current_actor, oauth2
from matcher.accounts import users
from matcher.accounts.actors import Actor
from matcher.accounts.login_guard import WRONG
from matcher.accounts.models import User
from matcher.accounts.schemas import ApiKeyInfo, ApiKeyPublic, Me, Token
from matcher.accounts.tokens import create_token, token_claims

router = APIRouter(tags=["auth"])
Current = Annotated[Actor, Depends(current_actor)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=Token, responses={429: {"description": "too many failed logins: wait Retry-After seconds"}})
def login(request: Request, db: DB, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """OAuth2 password flow: a short-lived signed bearer token. Repeated failures for a user name
    or from an address are refused for a while (429 with Retry-After)."""
    outcome = request.app.state.login_guard.login(db, form.username, form.password, client_address(request),
                                                  "POST /api/v1/auth/token")
    if outcome.retry_after is not None:
        raise HTTPException(429, f"too many failed logins: try again in {outcome.retry_after} seconds",
                            headers={"Retry-After": str(outcome.retry_after)})
    if outcome.user is None:
        raise HTTPException(401, WRONG, headers={"WWW-Authenticate": "Bearer"})
    user = outcome.user
    token, expires = create_token(request.app.state.secret, user.id, user.role, request.app.state.settings.token_minutes)
    return Token(access_token=token, expires_in=expires)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, db: DB, actor: Current, token: Annotated[str | None, Depends(oauth2)] = None) -> None:
    """End this bearer token now (it is refused from here on). API keys are revoked, not logged out."""
    claims = token_claims(request.app.state.secret, token) if token else None
    if claims is None:
        raise HTTPException(400, "log out ends a bearer token: this request did not send one")
    users.revoke_token(db, actor, claims["jti"], claims["exp"])


@router.get("/me", response_model=Me)
def me(db: DB, actor: Current) -> Me:
    user = db.get(User, actor.user_id)
    if user is None:  # deactivated users cannot sign in; a deleted row leaves a token that names nobody
        raise HTTPException(401, "this account no longer exists")
    return Me(id=user.id, username=user.username, role=user.role, organisation_id=user.organisation_id)


@router.post("/me/api-keys", response_model=ApiKeyPublic, status_code=201)
def create_own_api_key(request: Request, db: DB, actor: Current) -> ApiKeyPublic:
    """A key for your own machine client, shown once. Needs a password login (a bearer token): a key
    cannot make more keys."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise HTTPException(403, "log in with your password to create an API key")
    assert actor.user_id is not None  # a signed-in user
    return ApiKeyPublic(api_key=users.create_api_key(db, actor, actor.user_id))


@router.get("/me/api-keys", response_model=list[ApiKeyInfo])
def own_api_keys(db: DB, actor: Current) -> list:
    assert actor.user_id is not None  # a signed-in user
    return users.list_api_keys(db, actor.user_id)


@router.delete("/me/api-keys/{prefix}", response_model=ApiKeyInfo)
def revoke_own_api_key(prefix: KeyPrefix, db: DB, actor: Current):  # noqa: ANN201
    return users.revoke_api_key(db, actor, prefix, user_id=actor.user_id)
