"""Ranking the open vacancies for every person of the caseload on Ray (the nightly job): each
person's latest stored match (and validated skills, and place) against every open vacancy, the
top ones kept as suggestions an operator reads the next morning. Written in chunks, each in one
transaction; a run that stopped is resumed by running it again (the persons it already ranked
are skipped); when a run finishes, the suggestions of the runs before it are deleted."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action, ensure
from matcher.caseload.models import BatchRun, VacancySuggestion
from matcher.caseload.ray_engine import map_rows, ray_session, require_ray
from matcher.caseload.rematch import latest_profiles, validated_skills
from matcher.caseload.runs import Progress, fail_run, finish_run, start_run, summary
from matcher.caseload.workers import RankWorker
from matcher.db.base import utcnow
from matcher.pathway.rules import PersonFacts
from matcher.people.models import MatchRecord, Person, Profile
from matcher.people.standing import person_evidence
from matcher.settings import Settings
from matcher.taxonomy.snapshot import load_taxonomy_cached
from matcher.vacancies.models import Vacancy
from matcher.vacancies.ranking import VacancyRanker
from matcher.vacancies.service import vacancies_version
from matcher.vacancies.shortage import latest_signals


def _people(session: Session, run_id: int, after: int, limit: int):  # noqa: ANN202
    """Persons not erased, not yet ranked by this run, in id order after ``after``."""
    ranked = select(VacancySuggestion.person_id).where(VacancySuggestion.run_id == run_id)
    return list(session.scalars(select(Person).where(Person.erased_at.is_(None), Person.id > after, Person.id.not_in(ranked))
                                .order_by(Person.id).limit(limit)))


def _evidence_rows(session: Session, persons: list[Person]) -> tuple[list[dict], int]:
    """Each person's evidence from the latest match of their latest profile (a few queries for the
    whole window, not a few per person); and how many persons have none."""
    ids = [p.id for p in persons]
    profiles = {p.person_id: p for p in session.scalars(latest_profiles(Profile, ids))}
    last = select(func.max(MatchRecord.id)).where(MatchRecord.profile_id.in_([p.id for p in profiles.values()])) \
        .group_by(MatchRecord.profile_id)
    matches = {m.profile_id: m for m in session.scalars(select(MatchRecord).where(MatchRecord.id.in_(last)))}
    validated = validated_skills(session, ids)
    rows, unmatched = [], 0
    for person in persons:
        profile = profiles.get(person.id)
        rec = matches.get(profile.id) if profile is not None else None
        if profile is None or rec is None:
            unmatched += 1
            continue
        facts = PersonFacts(profile.years_experience, {d.get("kind") for d in profile.documents or []},
                            validated.get(person.id, set()))
        e = person_evidence(profile, rec.result, facts)
        rows.append({"key": person.id, "evidence": json.dumps({
            "skills": sorted(e.skills), "occupation_rank": e.occupation_rank, "isco_rank": e.isco_rank,
            "latitude": e.latitude, "longitude": e.longitude})})
    return rows, unmatched


def _write(session: Session, actor: Actor, run_id: int, rows: list[dict]) -> int:
    keys = [int(r["key"]) for r in rows]
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(keys)))}
    already = set(session.scalars(select(VacancySuggestion.person_id).where(VacancySuggestion.run_id == run_id,
                                                                            VacancySuggestion.person_id.in_(keys))))
    values = []
    for r in rows:
        person = persons.get(int(r["key"]))
        if person is None or person.id in already or person.erased_at is not None:
            continue
        values += [{"run_id": run_id, "person_id": person.id, "organisation_id": person.organisation_id, "vacancy_id": item["vacancy_id"],
                    "rank": rank, "score": item["score"], "factors": item["factors"], "created_at": utcnow()}
                   for rank, item in enumerate(json.loads(r["ranked"]))]
    if values:  # one executemany: nothing in these rows is sealed, so the ORM's per-row work is not needed
        session.execute(insert(VacancySuggestion), values)
    written = len(values)
    run = session.get(BatchRun, run_id)
    assert run is not None
    run.done += len(rows)
    # one entry per chunk: a machine job that reads no narrative and shows nothing to anyone
    record(session, actor, "create", "vacancy_suggestions", detail={"batch_run": run_id, "people": len(rows), "suggestions": written})
    session.commit()
    return written


def rank_caseload(sessions: sessionmaker, actor: Actor, *, settings: Settings, workers: int = 1, chunk: int = 500,
                  window: int = 5000, top_k: int = 20, max_km: float | None = None, address: str | None = None,
                  progress: Progress | None = None) -> dict:
    ensure(actor, Action.RUN_BATCHES, "only an administrator runs batches over the whole caseload")
    progress = progress or (lambda stage, done, total: None)
    require_ray()
    with sessions() as session:
        taxonomy = load_taxonomy_cached(session, Path(settings.registry_dir) / "taxonomies")
        signals = latest_signals(session)
        vacancies = list(session.scalars(select(Vacancy).where(Vacancy.status == "open")))
        ranker = VacancyRanker().fit(vacancies, taxonomy, signals)
        # the same vacancies, signals and options make the same run: one that stopped is resumed
        fingerprint = hashlib.sha256(json.dumps([vacancies_version(session), sorted(map(str, signals.items()))],
                                                default=str).encode()).hexdigest()[:16]
        run, resumed = start_run(session, "rank_vacancies", None, taxonomy.version_id,
                                 {"vacancies": fingerprint, "top_k": top_k, "max_km": max_km})
        run_id = run.id
        run.total = session.scalar(select(func.count()).select_from(Person).where(Person.erased_at.is_(None))) or 0
        session.commit()
        total = run.total
    done, unmatched, suggestions = run.done if resumed else 0, 0, 0
    progress("ranking vacancies", done, total)
    try:
        with ray_session(address, workers) as ray:
            ranker_ref = ray.put(ranker)
            after = 0
            while True:
                with sessions() as session:
                    persons = _people(session, run_id, after, window)
                    if not persons:
                        break
                    after = persons[-1].id
                    rows, none = _evidence_rows(session, persons)
                unmatched += none
                done += none
                for batch in map_rows(ray, rows, RankWorker, {"ranker": ranker_ref, "top_k": top_k, "max_km": max_km},
                                      workers, chunk):
                    with sessions() as session:
                        suggestions += _write(session, actor, run_id, batch)
                    done += len(batch)
                    progress("ranking vacancies", min(done, total), total)
        with sessions() as session:
            run = session.get(BatchRun, run_id)
            assert run is not None
            # the operators read the latest finished run: older suggestions go with this commit
            session.execute(delete(VacancySuggestion).where(VacancySuggestion.run_id != run_id))
            finish_run(session, run)
            return summary(run, resumed, open_vacancies=len(vacancies), people_without_match=unmatched,
                           suggestions_written=suggestions)
    except BaseException as exc:
        with sessions() as session:
            fail_run(session, run_id, exc)
        raise
