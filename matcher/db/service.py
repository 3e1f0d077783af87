"""Database start-up shared by the CLI, the service and the tests."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ..settings import Settings
from .migrate import upgrade
from .session import session_factory


def open_database(settings: Settings, migrate: bool = True) -> sessionmaker[Session]:
    url = settings.resolved_database_url
    if migrate:
        upgrade(url)
    return session_factory(url)
