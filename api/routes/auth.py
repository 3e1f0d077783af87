from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from matcher.db.people_models import User
from matcher.services.actors import Actor
from matcher.services.users import authenticate

from ..deps import DB, current_actor
from ..schemas import Me, Token
from ..security import create_token

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
def login(request: Request, db: DB, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """OAuth2 password flow: a short-lived signed bearer token."""
    user = authenticate(db, form.username, form.password)
    if user is None:
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    token, expires = create_token(request.app.state.secret, user.id, user.role, request.app.state.settings.token_minutes)
    return Token(access_token=token, expires_in=expires)


@router.get("/me", response_model=Me)
def me(db: DB, actor: Annotated[Actor, Depends(current_actor)]) -> Me:
    user = db.get(User, actor.user_id)
    return Me(id=user.id, username=user.username, role=user.role, organisation_id=user.organisation_id)
