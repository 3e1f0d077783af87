"""Brute-force protection for password logins (the API's token route and the login page).

Failed attempts are counted per user name and per client address in a moving window (the
`limits` library, the engine under slowapi; its storage is in memory per process by default, or
shared through ``SKILLMATCH_RATE_LIMIT_STORAGE``, e.g. ``redis://host:6379`` with several
workers). Over either limit every attempt gets 429 with Retry-After, the right password too, until
the window moves on. Unknown and known user names are counted alike and get the same message.
Every failure and every refusal is in the audit trail (user name as typed, address; never the
password).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse, storage, strategies
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.users import authenticate
from matcher.settings import Settings

WRONG = "wrong username or password"


@dataclass
class LoginOutcome:
    user: object | None = None
    retry_after: int | None = None  # seconds, when refused for too many failures


class LoginGuard:
    def __init__(self, settings: Settings):
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(settings.rate_limit_storage))
        self._per_user = parse(settings.login_failures_per_user)
        self._per_address = parse(settings.login_failures_per_address)

    def _wait(self, name_key: str, address: str) -> int | None:
        waits = []
        for limit, kind, key in ((self._per_user, "user", name_key), (self._per_address, "address", address)):
            if not self._limiter.test(limit, "login", kind, key):
                reset = self._limiter.get_window_stats(limit, "login", kind, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def login(self, session: Session, username: str, password: str, address: str, endpoint: str) -> LoginOutcome:
        who = Actor(None, username[:80], "anonymous", None, endpoint)
        name_key = username.strip().lower()  # "Op_A " and "op_a" are one user name to count
        wait = self._wait(name_key, address)
        if wait is not None:
            record(session, who, "login_refused", "session", detail={"address": address, "retry_after": wait})
            session.commit()
            return LoginOutcome(retry_after=wait)
        user = authenticate(session, username, password)
        if user is None:
            self._limiter.hit(self._per_user, "login", "user", name_key)
            self._limiter.hit(self._per_address, "login", "address", address)
            record(session, who, "login_failed", "session", detail={"address": address})
            session.commit()
            return LoginOutcome()
        self._limiter.clear(self._per_user, "login", "user", name_key)
        record(session, Actor(user.id, user.username, user.role, user.organisation_id, endpoint), "login", "session",
               detail={"address": address})
        session.commit()
        return LoginOutcome(user=user)
