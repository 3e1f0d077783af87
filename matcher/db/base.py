from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# The columns most tables repeat, declared once (SQLAlchemy 2.0's Annotated column types).
IntPk = Annotated[int, mapped_column(Integer, primary_key=True)]
PersonRef = Annotated[int, mapped_column(ForeignKey("persons.id"))]
OrganisationRef = Annotated[int, mapped_column(ForeignKey("organisations.id"))]
UserRef = Annotated[int | None, mapped_column(ForeignKey("users.id"), default=None)]  # who created or recorded the row
Moment = Annotated[datetime, mapped_column(DateTime(timezone=True), default=utcnow)]  # when, set on insert


class PersonRow:
    """A table of rows about one person: its id, then the person's, first in the table."""

    id: Mapped[IntPk] = mapped_column(sort_order=-1)
    person_id: Mapped[PersonRef] = mapped_column(sort_order=-1)


class Recorded:
    """Who recorded the row and when, last in the table."""

    recorded_by: Mapped[UserRef]
    recorded_at: Mapped[Moment]
