from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from matcher.db.database import open_database
from matcher.settings import load_settings

from .esco_bundle import write_bundle

PG_URL = os.environ.get("SKILLMATCH_TEST_DATABASE_URL")
ESCO_DIR = os.environ.get("SKILLMATCH_TEST_ESCO_DIR")


@contextlib.contextmanager
def fresh_database(tmp_path: Path):
    """A fresh, empty database: a SQLite file, or a new schema on the PostgreSQL of
    SKILLMATCH_TEST_DATABASE_URL when it is set (the CI runs the suite both ways)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    from matcher.db.session import engine_for

    engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db_url(tmp_path: Path):
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, db_url: str):
    return load_settings(database_url=db_url, data_dir=tmp_path / "var", environment="test")


@pytest.fixture
def sessions(settings):
    return open_database(settings)


@pytest.fixture
def bundle(tmp_path: Path) -> list[Path]:
    return write_bundle(tmp_path / "esco")


@pytest.fixture
def esco_dir() -> Path:
    if not ESCO_DIR:
        pytest.skip("SKILLMATCH_TEST_ESCO_DIR is not set: it must point to the ESCO CSV bundle (folders en/ and it/)")
    path = Path(ESCO_DIR)
    missing = [str(path / lang) for lang in ("it", "en") if not (path / lang).is_dir()]
    if missing:  # a clone without ../shared beside it: skip, saying what is not there
        pytest.skip(f"SKILLMATCH_TEST_ESCO_DIR={ESCO_DIR} has no ESCO bundle: {', '.join(missing)} not found")
    return path


@pytest.fixture(autouse=True)
def _fresh_settings():
    """CLI commands invoked in-process read the environment of their own test, not a cached one."""
    from matcher.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
