"""Who is calling: the one way the API (bearer token or API key) and the web pages (the same token,
in a cookie) turn a credential into an actor. What the actor may then do is
``matcher.accounts.permissions``."""
from __future__ import annotations

from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.models import User
from matcher.accounts.tokens import token_claims
from matcher.accounts.users import actor_for, token_revoked, user_for_api_key


def user_for_token(session: Session, secret: str, token: str) -> User | None:
    """The active user a token was given to, unless it expired or was ended by a logout."""
    claims = token_claims(secret, token)
    if claims is None or token_revoked(session, claims["jti"]):
        return None
    user = session.get(User, int(claims["sub"]))
    return user if user is not None and user.is_active else None


def signed_in_actor(session: Session, secret: str, endpoint: str, *, token: str | None = None,
                    api_key: str | None = None) -> Actor | None:
    """The actor behind a token (preferred) or an API key; None when neither signs an active user in."""
    user = None
    if token:
        user = user_for_token(session, secret, token)
    elif api_key:
        user = user_for_api_key(session, api_key)
    if user is None or not user.is_active:
        return None
    return actor_for(user, endpoint)
