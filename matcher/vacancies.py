"""Employers' vacancies, and ranking them for a person (and people for a vacancy).

Each open vacancy scores fit (the person's evidenced skills against the vacancy's required
skills and its occupation's essential skills, and how high the person's match ranks the
vacancy's occupation), a shortage boost and a distance decay; every factor is returned. The
ranker holds the open vacancies in memory as arrays, so one person is scored against all of them
with a sparse product and a vectorised distance.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db.base import utcnow
from .db.vacancy_models import Vacancy
from .geo import PlaceError, haversine_km, resolve
from .services.actors import Actor
from .services.audit import record
from .services.errors import Forbidden, Invalid, NotFound
from .taxonomy.model import Taxonomy


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
    result = matcher.match(f"{title}. {description}".strip(". "), top_k=3)
    if not result.occupations:
        return None, []
    top = result.occupations[0]
    essential = set(matcher.taxonomy_.essential.get(top.uri, []))
    skills = [s.uri for s in top.essential_skills_shown] + [s.uri for s in result.skills if s.uri in essential]
    return top.uri, list(dict.fromkeys(skills))


def create_vacancy(session: Session, actor: Actor, data: VacancyInput, matcher=None) -> Vacancy:  # noqa: ANN001
    if actor.role != "employer":
        raise Forbidden("only employers post vacancies")
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
    if actor.role != "employer":
        raise Forbidden("only the employer edits its vacancies")
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


@dataclass
class PersonEvidence:
    """What a person brings, read from a stored match (and validated skills)."""

    skills: set[str]
    occupation_rank: dict[str, int]  # occupation uri -> rank in the person's match (0 = best)
    isco_rank: dict[str, int]
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_match(cls, result: dict, validated: Iterable[str] = frozenset(), place=None) -> PersonEvidence:  # noqa: ANN001
        skills = {s["uri"] for s in result.get("skills", [])}
        for o in result.get("occupations", []):
            skills |= {s["uri"] for s in o.get("essential_skills_shown", [])}
        occ_rank = {o["uri"]: i for i, o in enumerate(result.get("occupations", []))}
        isco_rank: dict[str, int] = {}
        for i, o in enumerate(result.get("occupations", [])):
            if o.get("isco_code"):
                isco_rank.setdefault(o["isco_code"], i)
        return cls(skills | set(validated), occ_rank, isco_rank,
                   place.latitude if place else None, place.longitude if place else None)


@dataclass
class VacancyRanker:
    skill_weight: float = 0.6  # the rest goes to how high the person's match ranks the occupation
    shortage_weight: float = 0.5  # score x (1 + weight x shortage indicator)
    distance_scale_km: float = 40.0  # score x exp(-distance / scale)
    ids_: np.ndarray = field(init=False, repr=False)  # learned by fit

    def fit(self, vacancies: list[Vacancy], taxonomy: Taxonomy, signals: dict[tuple[str, str], float] | None = None) -> VacancyRanker:
        signals = signals or {}
        self.taxonomy_ = taxonomy
        self.skill_pos_ = {u: i for i, u in enumerate(taxonomy.skills)}
        rows, cols = [], []
        n = len(vacancies)
        self.ids_ = np.fromiter((v.id for v in vacancies), dtype=np.int64, count=n)
        self.lat_ = np.fromiter((v.latitude for v in vacancies), dtype=np.float64, count=n)
        self.lon_ = np.fromiter((v.longitude for v in vacancies), dtype=np.float64, count=n)
        self.occ_ = [v.occupation_uri for v in vacancies]
        self.isco_ = [v.isco_code for v in vacancies]
        shortage = np.zeros(n)
        for i, v in enumerate(vacancies):
            need = set(v.required_skills or []) | set(taxonomy.essential.get(v.occupation_uri or "", []))
            for s in need:
                j = self.skill_pos_.get(s)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
            level = max((signals.get((key, terr), 0.0) for key in (v.occupation_uri, v.isco_code) if key
                         for terr in (v.province, "IT") if terr), default=0.0)
            shortage[i] = max(level, 1.0 if v.is_shortage else 0.0)
        self.need_ = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(self.skill_pos_)))
        self.need_count_ = np.maximum(np.asarray(self.need_.sum(axis=1)).ravel(), 1.0)
        self.shortage_ = shortage
        self.occ_index_: dict[str, list[int]] = {}
        for i, o in enumerate(self.occ_):
            if o:
                self.occ_index_.setdefault(o, []).append(i)
        self.isco_index_: dict[str, list[int]] = {}
        for i, c in enumerate(self.isco_):
            if c:
                self.isco_index_.setdefault(c, []).append(i)
        return self

    def score(self, person: PersonEvidence, max_km: float | None = None) -> dict[str, np.ndarray]:
        n = len(self.ids_)
        vec = np.zeros(len(self.skill_pos_), dtype=np.float32)
        for s in person.skills:
            j = self.skill_pos_.get(s)
            if j is not None:
                vec[j] = 1.0
        overlap = (self.need_ @ vec) / self.need_count_
        affinity = np.zeros(n)
        for code, r in person.isco_rank.items():  # same ISCO group as a suggested occupation
            idx = self.isco_index_.get(code)
            if idx:
                affinity[idx] = np.maximum(affinity[idx], 0.5 / (1 + r))
        for uri, r in person.occupation_rank.items():  # the very occupation
            idx = self.occ_index_.get(uri)
            if idx:
                affinity[idx] = np.maximum(affinity[idx], 1.0 / (1 + r))
        fit = self.skill_weight * overlap + (1 - self.skill_weight) * affinity
        if person.latitude is not None:
            dist = haversine_km(person.latitude, person.longitude or 0.0, self.lat_, self.lon_)  # both or neither
            decay = np.exp(-dist / self.distance_scale_km)
        else:
            dist, decay = np.full(n, np.nan), np.ones(n)
        boost = 1.0 + self.shortage_weight * self.shortage_
        total = fit * boost * decay
        keep = fit > 0
        if max_km is not None and person.latitude is not None:
            keep &= dist <= max_km
        return {"total": np.where(keep, total, -1.0), "fit": fit, "overlap": overlap, "affinity": affinity,
                "distance_km": dist, "decay": decay, "shortage": self.shortage_, "boost": boost}

    def rank(self, person: PersonEvidence, max_km: float | None = None, top_k: int = 20) -> list[dict]:
        f = self.score(person, max_km)
        total = f["total"]
        k = min(top_k, int((total >= 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-total, k - 1)[:k]
        top = top[np.argsort(-total[top])]
        return [{"vacancy_id": int(self.ids_[i]), "score": round(float(total[i]), 4),
                 "factors": {"fit": round(float(f["fit"][i]), 4), "skill_overlap": round(float(f["overlap"][i]), 4),
                             "occupation_affinity": round(float(f["affinity"][i]), 4),
                             "shortage_indicator": round(float(f["shortage"][i]), 3), "shortage_boost": round(float(f["boost"][i]), 3),
                             "distance_km": None if math.isnan(f["distance_km"][i]) else round(float(f["distance_km"][i]), 1),
                             "distance_decay": round(float(f["decay"][i]), 4)}}
                for i in top]
