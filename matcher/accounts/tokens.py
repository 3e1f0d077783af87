"""Signed, short-lived access tokens (JWT, HS256) and the service's secret."""
from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt

from matcher.settings import Settings, SettingsError

ALGORITHM = "HS256"


def resolve_secret(settings: Settings) -> str:
    """The configured secret; in development and tests, one generated once and kept in the data
    folder (so that several workers share it). Outside development a missing secret is fatal."""
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise SettingsError("SKILLMATCH_SECRET_KEY: must be at least 32 characters long")
        return settings.secret_key
    if settings.environment == "production":
        raise SettingsError("SKILLMATCH_SECRET_KEY: must be set in production (a random string of 32+ characters); "
                            "the service refuses to start without it")
    path = Path(settings.data_dir) / ".secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_token(secret: str, user_id: int, role: str, minutes: int) -> tuple[str, int]:
    now = datetime.now(timezone.utc)
    # jti: the token's own id, so that logging out ends this token (revoked_tokens) and no other
    claims = {"sub": str(user_id), "role": role, "iat": now, "exp": now + timedelta(minutes=minutes),
              "jti": secrets.token_hex(16)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), minutes * 60


def token_claims(secret: str, token: str) -> dict | None:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "jti"]})
        int(claims["sub"])
        return claims
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None

