from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a user may do: operators serve people, employers post vacancies, analysts train models
    and read aggregates, admins manage users and taxonomies."""

    OPERATOR = "operator"
    EMPLOYER = "employer"
    ANALYST = "analyst"
    ADMIN = "admin"


ROLES = tuple(Role)


@dataclass(frozen=True)
class Actor:
    """Who is acting: what every service function receives to decide and to audit."""

    user_id: int | None
    username: str
    role: str
    organisation_id: int | None
    endpoint: str | None = None


def command_line_actor(role: Role, command: str) -> Actor:
    """Whoever runs the ``skillmatch`` command on the server: an administrator of the machine, audited
    as user ``cli`` with the role the command needs (analyst for models and reports, admin for users)."""
    return Actor(None, "cli", role, None, command)
