"""Employers' vacancies and the labour-shortage signals analysts import."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matcher.db.base import Base, IntPk, Moment, OrganisationRef, UserRef


class Vacancy(Base):
    __tablename__ = "vacancies"
    __table_args__ = (Index("ix_vacancies_status", "status"), Index("ix_vacancies_org", "organisation_id"))

    id: Mapped[IntPk]
    organisation_id: Mapped[OrganisationRef]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    occupation_uri: Mapped[str | None] = mapped_column(String(255), default=None)
    isco_code: Mapped[str | None] = mapped_column(String(4), default=None)
    required_skills: Mapped[list] = mapped_column(JSON, default=list)  # ESCO skill URIs
    municipality: Mapped[str] = mapped_column(String(120))
    province: Mapped[str | None] = mapped_column(String(4), default=None)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    positions: Mapped[int] = mapped_column(Integer, default=1)
    contract_type: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    is_shortage: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    created_by: Mapped[UserRef]
    created_at: Mapped[Moment]
    updated_at: Mapped[Moment]


class ShortageSignal(Base):
    __tablename__ = "shortage_signals"
    __table_args__ = (Index("ix_shortage_key", "isco_code", "territory"),)

    id: Mapped[IntPk]
    isco_code: Mapped[str | None] = mapped_column(String(4), default=None)
    occupation_uri: Mapped[str | None] = mapped_column(String(255), default=None)
    territory: Mapped[str] = mapped_column(String(16))  # ISTAT province code/abbreviation, NUTS code, or IT
    indicator: Mapped[float] = mapped_column(Float)  # 0..1, e.g. share of hires hard to fill
    source: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(16))  # e.g. 2025, 2025-Q3, 2025-10
    import_id: Mapped[str] = mapped_column(String(40))
    # sha256 of the file and how it was read: the same file again is recognised, not doubled
    file_checksum: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    imported_at: Mapped[Moment]
