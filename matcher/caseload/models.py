"""The caseload's batch runs and the vacancy suggestions the nightly ranking leaves for operators."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matcher.db.base import Base, IntPk, Moment, OrganisationRef, PersonRow


class BatchRun(Base):
    """One run of ``skillmatch batch``: what it ran with and how far it got. A run that stopped is
    resumed by the next one of the same kind and versions, which skips what was written."""

    __tablename__ = "batch_runs"
    __table_args__ = (Index("ix_batch_runs_kind", "kind", "status"),)

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(32))  # rematch | rank_vacancies
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    model_version: Mapped[str | None] = mapped_column(String(200), default=None)
    taxonomy_version: Mapped[int | None] = mapped_column(Integer, default=None)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)  # what it had to do when it (re)started
    done: Mapped[int] = mapped_column(Integer, default=0)  # rows written, over every attempt
    failed: Mapped[int] = mapped_column(Integer, default=0)  # items the matcher refused (too long, empty)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    started_at: Mapped[Moment]
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class VacancySuggestion(PersonRow, Base):
    """A vacancy the nightly ranking suggests for a person, with its score and factors. Only the
    latest finished run's suggestions are kept; erasure deletes a person's."""

    __tablename__ = "vacancy_suggestions"
    __table_args__ = (UniqueConstraint("run_id", "person_id", "vacancy_id", name="uq_vacancy_suggestions_run_person_vacancy"),
                      Index("ix_vacancy_suggestions_person", "person_id"))

    run_id: Mapped[int] = mapped_column(ForeignKey("batch_runs.id"))
    organisation_id: Mapped[OrganisationRef]
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    factors: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[Moment]
