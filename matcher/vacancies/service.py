"""Employers' vacancies: posting, editing, closing and listing them, each write audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action, ensure
from matcher.db.base import utcnow
from matcher.errors import Invalid, NotFound
from matcher.taxonomy.in_memory import Taxonomy
from matcher.vacancies.geo import PlaceError, resolve
from matcher.vacancies.models import Vacancy


class ContractType(StrEnum):
    """The contract a vacancy offers."""

    PERMANENT = "permanent"
    FIXED_TERM = "fixed_term"
    SEASONAL = "seasonal"
    APPRENTICESHIP = "apprenticeship"
    INTERNSHIP = "internship"
    TEMPORARY_AGENCY = "temporary_agency"
    OTHER = "other"


CONTRACT_TYPES = tuple(ContractType)


@dataclass
class VacancyInput:
    title: str
    municipality: str
    contract_type: str
    description: str = ""
    occupation_uri: str | None = None
    required_skills: list[str] | None = None
    positions: int = 1
    start_date: date | None = None
    is_shortage: bool = False


def _check_taxonomy(taxonomy: Taxonomy | None, occupation_uri: str | None, skills: list[str]) -> str | None:
    if taxonomy is None:
        return None
    isco = None
    if occupation_uri is not None:
        occ = taxonomy.occupations.get(occupation_uri)
        if occ is None:
            raise Invalid(f"occupation_uri: {occupation_uri} is not an occupation of the active taxonomy")
        isco = occ.isco_code
    unknown = [s for s in skills if s not in taxonomy.skills]
    if unknown:
        raise Invalid(f"required_skills: {unknown[0]} is not a skill of the active taxonomy")
    return isco


def suggest(matcher, title: str, description: str) -> tuple[str | None, list[str]]:  # noqa: ANN001
    """The occupation and skills the matcher reads in a vacancy's title and description."""
    result = matcher.match(f"{title}. {description}".strip(". "), top_k=3, groups_first=0)  # a role is one occupation
    if not result.occupations:
        return None, []
    top = result.occupations[0]
    essential = set(matcher.taxonomy_.essential.get(top.uri, []))
    skills = [s.uri for s in top.essential_skills_shown] + [s.uri for s in result.skills if s.uri in essential]
    return top.uri, list(dict.fromkeys(skills))


def create_vacancy(session: Session, actor: Actor, data: VacancyInput, matcher=None) -> Vacancy:  # noqa: ANN001
    ensure(actor, Action.MANAGE_VACANCIES, "only employers post vacancies")
    if data.contract_type not in CONTRACT_TYPES:
        raise Invalid(f"contract_type must be one of {', '.join(CONTRACT_TYPES)}")
    try:
        place = resolve(data.municipality)
    except PlaceError as exc:
        raise Invalid(f"municipality: {exc}") from None
    occupation_uri, skills = data.occupation_uri, data.required_skills
    if (occupation_uri is None or skills is None) and matcher is not None:
        s_occ, s_skills = suggest(matcher, data.title, data.description)
        occupation_uri = occupation_uri or s_occ
        skills = skills if skills is not None else s_skills
    skills = list(dict.fromkeys(skills or []))
    isco = _check_taxonomy(matcher.taxonomy_ if matcher is not None else None, occupation_uri, skills)
    v = Vacancy(organisation_id=actor.organisation_id, title=data.title, description=data.description,
                occupation_uri=occupation_uri, isco_code=isco, required_skills=skills, municipality=place.name,
                province=place.province, latitude=place.latitude, longitude=place.longitude, positions=data.positions,
                contract_type=data.contract_type, start_date=data.start_date, is_shortage=data.is_shortage,
                created_by=actor.user_id)
    session.add(v)
    session.flush()
    record(session, actor, "create", "vacancy", detail={"vacancy_id": v.id})
    session.commit()
    return v


def get_vacancy(session: Session, actor: Actor, vacancy_id: int) -> Vacancy:
    v = session.get(Vacancy, vacancy_id)
    visible = v is not None and (
        (actor.role == "employer" and v.organisation_id == actor.organisation_id)
        or (actor.role in ("operator", "analyst", "admin") and v.status == "open"))
    if v is None or not visible:
        raise NotFound(f"no vacancy {vacancy_id}")
    return v


def update_vacancy(session: Session, actor: Actor, vacancy_id: int, changes: dict, matcher=None) -> Vacancy:  # noqa: ANN001
    v = get_vacancy(session, actor, vacancy_id)
    ensure(actor, Action.MANAGE_VACANCIES, "only the employer edits its vacancies")
    if "contract_type" in changes and changes["contract_type"] not in CONTRACT_TYPES:
        raise Invalid(f"contract_type must be one of {', '.join(CONTRACT_TYPES)}")
    if "municipality" in changes:
        try:
            place = resolve(changes.pop("municipality"))
        except PlaceError as exc:
            raise Invalid(f"municipality: {exc}") from None
        v.municipality, v.province, v.latitude, v.longitude = place.name, place.province, place.latitude, place.longitude
    occ = changes.get("occupation_uri", v.occupation_uri)
    skills = changes.get("required_skills", v.required_skills) or []
    isco = _check_taxonomy(matcher.taxonomy_ if matcher is not None else None, occ, skills)
    for key, value in changes.items():
        setattr(v, key, value)
    if "occupation_uri" in changes:
        v.isco_code = isco
    v.updated_at = utcnow()
    record(session, actor, "update", "vacancy", detail={"vacancy_id": v.id, "fields": sorted(changes)})
    session.commit()
    return v


def close_vacancy(session: Session, actor: Actor, vacancy_id: int) -> Vacancy:
    return update_vacancy(session, actor, vacancy_id, {"status": "closed"})


def list_vacancies(session: Session, actor: Actor, status: str | None = "open", limit: int = 100, offset: int = 0) -> list[Vacancy]:
    stmt = select(Vacancy)
    if actor.role == "employer":
        stmt = stmt.where(Vacancy.organisation_id == actor.organisation_id)
        if status:
            stmt = stmt.where(Vacancy.status == status)
    else:
        stmt = stmt.where(Vacancy.status == "open")
    return list(session.scalars(stmt.order_by(Vacancy.id.desc()).limit(limit).offset(offset)))


def vacancies_version(session: Session) -> tuple:
    """Changes whenever a vacancy is added, edited or closed (to refresh a ranker)."""
    return tuple(session.execute(select(func.count(Vacancy.id), func.max(Vacancy.updated_at), func.max(Vacancy.id))).one())
