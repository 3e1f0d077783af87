"""Re-matching a whole caseload on Ray: every person's current profile gets a match from the chosen
model (after a promotion or a taxonomy release), written back in chunks, each in one transaction
with its audit entries. A profile that already has a match from this model is skipped, so a run
that stopped is resumed by running it again, with nothing done twice and nothing left out."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action, ensure
from matcher.caseload.models import BatchRun
from matcher.caseload.ray_engine import BatchError, map_rows, ray_session, require_ray
from matcher.caseload.runs import Progress, fail_run, finish_run, start_run, summary
from matcher.caseload.workers import MatcherSpec, MatchWorker, _matcher
from matcher.pathway.serving import serving_pathway
from matcher.people.models import MatchRecord, Person, Profile, ValidatedSkill
from matcher.registry.store import BUILTIN, Registry, RegistryError
from matcher.settings import Settings
from matcher.taxonomy.in_memory import Taxonomy
from matcher.taxonomy.snapshot import load_taxonomy_cached


def matcher_spec(settings: Settings, taxonomy: Taxonomy, model: str = "serving", top_k: int = 10) -> tuple[MatcherSpec, str]:
    """What every worker loads: the registry version ``model`` (serving, builtin or an id)."""
    registry = Registry(settings.registry_dir)
    model_id = registry.serving("matcher") if model == "serving" else model
    try:
        path = None if model_id == BUILTIN else str(registry.get(model_id).path)
    except RegistryError as exc:
        raise BatchError(str(exc)) from None
    return MatcherSpec(settings.encoder, str(settings.registry_dir), path, settings.max_text_chars, taxonomy,
                       serving_pathway(settings, registry), top_k), model_id


def model_version_of(spec: MatcherSpec) -> str:
    """The version string the workers' matches will carry (loading the index maps its files: cheap)."""
    try:
        return _matcher(spec).model_version
    except (FileNotFoundError, ValueError) as exc:
        raise BatchError(f"the model does not load: {exc}") from None


def latest_profiles(what, person_ids: list[int] | None = None):  # noqa: ANN001, ANN201
    """``select(what)`` over each person's latest profile (of ``person_ids`` only, when given)."""
    latest = select(Profile.person_id, func.max(Profile.version).label("version"))
    if person_ids is not None:
        latest = latest.where(Profile.person_id.in_(person_ids))
    sub = latest.group_by(Profile.person_id).subquery()
    return select(what).join(sub, (Profile.person_id == sub.c.person_id) & (Profile.version == sub.c.version))


def validated_skills(session: Session, person_ids: list[int]) -> dict[int, set[str]]:
    """person id -> the skills validated for them (internships, assessments)."""
    out: dict[int, set[str]] = {}
    for person_id, uri in session.execute(select(ValidatedSkill.person_id, ValidatedSkill.skill_uri)
                                          .where(ValidatedSkill.person_id.in_(person_ids))):
        out.setdefault(person_id, set()).add(uri)
    return out


def _latest_profiles():  # noqa: ANN202
    return latest_profiles(Profile.id).join(Person, Person.id == Profile.person_id).where(Person.erased_at.is_(None))


def _todo(model_version: str):  # noqa: ANN202
    done = exists().where(MatchRecord.profile_id == Profile.id, MatchRecord.model_version == model_version)
    return _latest_profiles().where(~done)


def _rows(session: Session, profile_ids: list[int]) -> list[dict]:
    """What the workers need of each profile: its text and the facts its pathway reads."""
    profiles = list(session.scalars(select(Profile).where(Profile.id.in_(profile_ids))))
    validated = validated_skills(session, [p.person_id for p in profiles])
    return [{"key": p.id, "text": p.narrative, "language": p.narrative_language or "",
             "facts": json.dumps({"years_experience": p.years_experience,
                                  "documents": [d.get("kind") for d in p.documents or []],
                                  "validated": sorted(validated.get(p.person_id, set()))})} for p in profiles]


def _write(session: Session, actor: Actor, run_id: int, model_version: str, taxonomy_version: int, rows: list[dict]) -> tuple[int, int]:
    """One chunk of results, in one transaction with its audit entries and the run's counts."""
    keys = [int(r["key"]) for r in rows]
    already = set(session.scalars(select(MatchRecord.profile_id).where(MatchRecord.profile_id.in_(keys),
                                                                       MatchRecord.model_version == model_version)))
    profiles = {p.id: p for p in session.scalars(select(Profile).where(Profile.id.in_(keys)))}
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_([p.person_id for p in profiles.values()])))}
    written = failed = 0
    for r in rows:
        profile = profiles.get(int(r["key"]))
        if r["error"]:
            failed += 1
            continue
        if profile is None or profile.id in already or persons[profile.person_id].erased_at is not None:
            continue  # written by an earlier attempt, or the person was erased meanwhile
        person = persons[profile.person_id]
        result = json.loads(r["result"])
        rec = MatchRecord(person_id=person.id, profile_id=profile.id, organisation_id=person.organisation_id, result=result,
                          needs_review=bool(result.get("needs_review")), model_version=model_version,
                          taxonomy_version=taxonomy_version, pathways=json.loads(r["pathways"]))
        session.add(rec)
        session.flush()
        record(session, actor, "create", "match", person.pseudonym,
               {"match_id": rec.id, "profile_version": profile.version, "batch_run": run_id})
        written += 1
    run = session.get(BatchRun, run_id)
    assert run is not None  # created before the first chunk
    run.done, run.failed = run.done + written, run.failed + failed
    session.commit()
    return written, failed


def rematch_caseload(sessions: sessionmaker, actor: Actor, *, settings: Settings, model: str = "serving", workers: int = 1,
                     chunk: int = 100, window: int = 2000, address: str | None = None, progress: Progress | None = None) -> dict:
    """Every person's current profile matched by ``model``; returns the run's summary."""
    ensure(actor, Action.RUN_BATCHES, "only an administrator runs batches over the whole caseload")
    progress = progress or (lambda stage, done, total: None)
    require_ray()
    with sessions() as session:
        taxonomy = load_taxonomy_cached(session, Path(settings.registry_dir) / "taxonomies")
    spec, model_id = matcher_spec(settings, taxonomy, model)
    progress("loading the model", 0, 1)
    version = model_version_of(spec)
    with sessions() as session:
        run, resumed = start_run(session, "rematch", version, taxonomy.version_id, {"model": model_id})
        run_id = run.id
        total = session.scalar(select(func.count()).select_from(_todo(version).subquery())) or 0
        run.total = total
        session.commit()
    done = 0
    progress("re-matching", 0, total)
    try:
        with ray_session(address, workers) as ray:
            spec = replace(spec, taxonomy=ray.put(taxonomy))
            cursor = 0
            while True:
                with sessions() as session:
                    ids = list(session.scalars(_todo(version).where(Profile.id > cursor).order_by(Profile.id).limit(window)))
                    if not ids:
                        break
                    rows = _rows(session, ids)
                cursor = ids[-1]
                for batch in map_rows(ray, rows, MatchWorker, {"spec": spec}, workers, chunk):
                    with sessions() as session:
                        _write(session, actor, run_id, version, taxonomy.version_id, batch)
                    done += len(batch)
                    progress("re-matching", done, total)
        with sessions() as session:
            run = session.get(BatchRun, run_id)
            assert run is not None
            finish_run(session, run)
            return summary(run, resumed, remaining=0)
    except BaseException as exc:
        with sessions() as session:
            fail_run(session, run_id, exc)
        raise
