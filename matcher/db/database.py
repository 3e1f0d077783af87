"""Database start-up shared by the CLI, the service and the tests."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from matcher.db.migrate import upgrade
from matcher.db.session import session_factory
from matcher.privacy import sealed  # noqa: F401 - registers the sealing events
from matcher.privacy.keys import Keyring
from matcher.settings import Settings


def open_database(settings: Settings, migrate: bool = True) -> sessionmaker[Session]:
    """Sessions on the configured database, migrated, each carrying the keyring that seals and
    opens people's free text (``matcher.privacy``)."""
    url = settings.resolved_database_url
    if migrate:
        upgrade(url)
    factory = session_factory(url)
    factory.configure(info={"keyring": keyring_for(settings)})
    return factory


def keyring_for(settings: Settings) -> Keyring:
    key = (settings.master_key, settings.master_key_previous, settings.environment, str(settings.data_dir))
    if key not in _KEYRINGS:
        _KEYRINGS[key] = Keyring.from_settings(settings)
    return _KEYRINGS[key]


_KEYRINGS: dict[tuple, Keyring] = {}
