"""Ranking the open vacancies for a person, and the people of an office for a vacancy.

Each open vacancy scores fit (the person's evidenced skills against the vacancy's required
skills and its occupation's essential skills, and how high the person's match ranks the
vacancy's occupation), a shortage boost and a distance decay; every factor is returned. The
ranker holds the open vacancies in memory as arrays, so one person is scored against all of them
with a sparse product and a vectorised distance; ``RankerCache`` rebuilds it when they change.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.pathway.rules import PathwayRules
from matcher.people.access import get_person, visible_to
from matcher.people.models import MatchRecord, Person, Profile
from matcher.people.standing import Standing, standing
from matcher.taxonomy.in_memory import Taxonomy
from matcher.vacancies.evidence import PersonEvidence
from matcher.vacancies.geo import distances_km
from matcher.vacancies.models import Vacancy
from matcher.vacancies.service import get_vacancy, vacancies_version
from matcher.vacancies.shortage import latest_signals


@dataclass
class VacancyRanker:
    skill_weight: float = 0.6  # the rest goes to how high the person's match ranks the occupation
    shortage_weight: float = 0.5  # score x (1 + weight x shortage indicator)
    distance_scale_km: float = 40.0  # score x exp(-distance / scale)
    ids_: np.ndarray = field(init=False, repr=False)  # learned by fit

    def fit(self, vacancies: list[Vacancy], taxonomy: Taxonomy, signals: dict[tuple[str, str], float] | None = None) -> VacancyRanker:
        signals = signals or {}
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
            dist = distances_km(person.latitude, person.longitude or 0.0, self.lat_, self.lon_)  # both or neither
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


def rank_vacancies_for(session: Session, actor: Actor, person_id: int, matcher, ranker: VacancyRanker,  # noqa: ANN001
                       rules: PathwayRules, max_km: float | None = None, top_k: int = 20) -> list[dict]:
    st = standing(session, actor, get_person(session, actor, person_id), matcher, rules)
    out = vacancies_for_standing(session, st, matcher, ranker, rules, max_km, top_k)
    record(session, actor, "read", "vacancy_ranking", st.person.pseudonym, {"count": len(out)})
    session.commit()
    return out


def vacancies_for_standing(session: Session, st: Standing, matcher, ranker: VacancyRanker, rules: PathwayRules,  # noqa: ANN001
                           max_km: float | None = None, top_k: int = 20) -> list[dict]:
    ranked = ranker.rank(st.evidence, max_km=max_km, top_k=top_k)
    vacs = {v.id: v for v in session.scalars(select(Vacancy).where(Vacancy.id.in_([r["vacancy_id"] for r in ranked])))}
    out = []
    for r in ranked:
        v = vacs.get(r["vacancy_id"])
        if v is None or v.status != "open":
            continue
        item = {**r, "title": v.title, "municipality": v.municipality, "province": v.province, "occupation_uri": v.occupation_uri,
                "isco_code": v.isco_code, "contract_type": v.contract_type, "positions": v.positions, "is_shortage": v.is_shortage}
        if v.occupation_uri and v.occupation_uri in matcher.taxonomy_.occupations:
            p = st.pathway(matcher, v.occupation_uri, rules)
            item["pathway"] = p["pathway"]
            item["skills_to_observe"] = p["skills_to_observe"]
            item["pathway_reasons"] = p["reasons"]
        out.append(item)
    return out


def candidates_for(session: Session, actor: Actor, vacancy_id: int, matcher, rules: PathwayRules,  # noqa: ANN001
                   signals: dict | None = None, top_k: int = 20) -> dict:
    """Reverse ranking: the people of the operator's organisation(s) who fit a vacancy best, from
    their latest stored match. Only operators call this; employers never see who they are."""
    v = get_vacancy(session, actor, vacancy_id)
    ranker = VacancyRanker().fit([v], matcher.taxonomy_, signals)
    people = list(session.scalars(select(Person).where(visible_to(actor), Person.erased_at.is_(None))))
    out, unmatched = [], 0
    for person in people:
        profile = session.scalar(select(Profile).where(Profile.person_id == person.id).order_by(Profile.version.desc()))
        rec = None if profile is None else \
            session.scalar(select(MatchRecord).where(MatchRecord.profile_id == profile.id).order_by(MatchRecord.id.desc()))
        if rec is None:
            unmatched += 1
            continue
        st = standing(session, actor, person, matcher, rules, match=rec)
        ranked = ranker.rank(st.evidence, top_k=1)
        if not ranked:
            continue
        item = {"person_id": person.id, "pseudonym": person.pseudonym, "score": ranked[0]["score"], "factors": ranked[0]["factors"]}
        if v.occupation_uri and v.occupation_uri in matcher.taxonomy_.occupations:
            p = st.pathway(matcher, v.occupation_uri, rules)
            item["pathway"], item["skills_to_observe"] = p["pathway"], p["skills_to_observe"]
        out.append(item)
    out.sort(key=lambda x: -x["score"])
    record(session, actor, "list", "vacancy_candidates", detail={"vacancy_id": vacancy_id, "count": len(out[:top_k])})
    session.commit()
    return {"vacancy_id": vacancy_id, "candidates": out[:top_k], "people_without_match": unmatched}



class RankerCache:
    """The open vacancies in memory, rebuilt when they, the shortage signals or the taxonomy change
    (checked cheaply per request)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._taxonomy_key: str | None = None
        self._ranker: VacancyRanker | None = None

    def get(self, session: Session, taxonomy: Taxonomy) -> VacancyRanker:
        signals = latest_signals(session)
        version = vacancies_version(session) + (tuple(sorted(signals.items())),)
        with self._lock:
            if self._ranker is None or version != self._version or taxonomy.key != self._taxonomy_key:
                rows = list(session.scalars(select(Vacancy).where(Vacancy.status == "open")))
                self._ranker = VacancyRanker().fit(rows, taxonomy, signals)
                self._version, self._taxonomy_key = version, taxonomy.key
            return self._ranker
