"""The migrations and the table models describe the same schema: a column added to a model without
a migration (or the reverse) fails here, on SQLite and on PostgreSQL alike, not in production."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table

from matcher.db import tables  # noqa: F401 - every table on Base.metadata
from matcher.db.base import Base
from matcher.db.migrate import upgrade
from matcher.db.session import engine_for


def _differences(url: str, metadata: MetaData) -> list:
    with engine_for(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_the_migrations_build_exactly_the_tables_the_models_declare(db_url):
    upgrade(db_url)
    assert _differences(db_url, Base.metadata) == []


def test_a_column_without_its_migration_is_found(db_url):
    upgrade(db_url)
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    users = drifted.tables["users"]
    Table("users", drifted, Column("nickname", String(40)), extend_existing=True)
    assert "nickname" in users.c
    found = _differences(db_url, drifted)
    assert [d[0] for d in found] == ["add_column"] and found[0][3].name == "nickname"
