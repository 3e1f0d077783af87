from __future__ import annotations

from dataclasses import dataclass

ROLES = ("operator", "employer", "analyst", "admin")


@dataclass(frozen=True)
class Actor:
    """Who is acting: what every service function receives to decide and to audit."""

    user_id: int | None
    username: str
    role: str
    organisation_id: int | None
    endpoint: str | None = None
