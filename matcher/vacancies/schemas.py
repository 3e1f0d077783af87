"""Request and response models of vacancies and shortage imports."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from matcher.schema_fields import StoredPublic
from matcher.vacancies.service import ContractType


class VacancyCreate(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=5000)
    occupation_uri: str | None = Field(default=None, max_length=255, description="suggested from the description when left out")
    required_skills: list[str] | None = Field(default=None, max_length=100, description="ESCO skill URIs; suggested when left out")
    municipality: str = Field(min_length=2, max_length=120, description='an Italian comune, e.g. "Prato" or "Prato (PO)"')
    positions: int = Field(default=1, ge=1, le=10_000)
    contract_type: ContractType
    start_date: date | None = None
    is_shortage: bool = False


class VacancyUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=2, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    occupation_uri: str | None = Field(default=None, max_length=255)
    required_skills: list[str] | None = Field(default=None, max_length=100)
    municipality: str | None = Field(default=None, min_length=2, max_length=120)
    positions: int | None = Field(default=None, ge=1, le=10_000)
    contract_type: ContractType | None = None
    start_date: date | None = None
    is_shortage: bool | None = None


class VacancyPublic(StoredPublic):
    organisation_id: int
    title: str
    description: str
    occupation_uri: str | None
    isco_code: str | None
    required_skills: list[str]
    municipality: str
    province: str | None
    positions: int
    contract_type: str
    start_date: date | None
    is_shortage: bool
    status: str


class ShortageImportPublic(BaseModel):
    import_id: str
    rows: int
    already_imported: bool = False  # the same file, read the same way, was imported before: nothing written
