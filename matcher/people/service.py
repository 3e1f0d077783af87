"""People served, their versioned profiles, stored matches and decisions, and erasure.

Every function takes the acting user and enforces object-level access: an operator sees the people
of its own organisation only; a person it may not see is reported as not found, never as
forbidden, so that ids cannot be probed.
"""
from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import case, delete, false, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action, ensure, may
from matcher.caseload.models import VacancySuggestion
from matcher.db.base import utcnow
from matcher.errors import Conflict, Invalid, NotFound
from matcher.matching.scoring import MatchInputError, check_language, check_text
from matcher.network.models import Consent, Internship, InternshipAssessment, Measure, Referral
from matcher.network.service import add_measure
from matcher.people.access import get_person, visible_to
from matcher.people.models import Decision, MatchRecord, Person, Profile, ValidatedSkill
from matcher.privacy.sealed import erase_key, keyring_of

if TYPE_CHECKING:  # the schemas read this module's vocabularies
    from matcher.people.schemas import DecisionCreate


class DocumentKind(StrEnum):
    """A document a person holds that attests a competence."""

    QUALIFICATION = "qualification"
    EMPLOYMENT_CONTRACT = "employment_contract"
    TRAINING_CERTIFICATE = "training_certificate"
    NONE = "none"


class DecisionStatus(StrEnum):
    """What an operator decided for a suggestion, and what came of it."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    INTERNSHIP_STARTED = "internship_started"
    SKILLS_VALIDATED = "skills_validated"
    CERTIFIED = "certified"
    HIRED = "hired"
    DROPPED = "dropped"


class TargetKind(StrEnum):
    """What a decision is about."""

    OCCUPATION = "occupation"
    VACANCY = "vacancy"


DOCUMENT_KINDS = tuple(DocumentKind)
DECISION_STATUSES = tuple(DecisionStatus)


def _new_pseudonym() -> str:
    return "P-" + secrets.token_hex(5).upper()


def read_person(session: Session, actor: Actor, person_id: int) -> Person:
    person = get_person(session, actor, person_id)
    record(session, actor, "read", "person", person.pseudonym)
    session.commit()
    return person


def create_person(session: Session, actor: Actor, external_ref: str | None = None) -> Person:
    ensure(actor, Action.CASEWORK, "only operators take people in charge")
    person = Person(organisation_id=actor.organisation_id, pseudonym=_new_pseudonym(), external_ref=external_ref,
                    created_by=actor.user_id)
    session.add(person)
    session.flush()
    record(session, actor, "create", "person", person.pseudonym)
    session.commit()
    return person


def list_persons(session: Session, actor: Actor, q: str | None = None, limit: int = 50, offset: int = 0) -> list[Person]:
    if not may(actor, Action.CASEWORK):
        return []
    stmt = select(Person).where(visible_to(actor), Person.erased_at.is_(None))
    if q:
        like = q.strip().upper() + "%"
        keyring = keyring_of(session)
        by_ref = Person.external_ref_hash == keyring.search_hash(q) if keyring is not None else false()
        # a file number written before sealing (no hash yet) is still found by its text
        legacy = Person.external_ref_hash.is_(None) & (Person.external_ref == q.strip())
        stmt = stmt.where(Person.pseudonym.like(like) | by_ref | legacy)
    people = list(session.scalars(stmt.order_by(Person.id.desc()).limit(limit).offset(offset)))
    record(session, actor, "list", "person", detail={"count": len(people)})
    session.commit()
    return people


@dataclass
class ProfileInput:
    narrative: str
    narrative_language: str | None = None
    languages: list[str] | None = None
    years_experience: float | None = None
    country: str | None = None
    documents: list[dict] | None = None
    municipality: str | None = None


def profile_problems(data: ProfileInput, max_chars: int = 5000) -> list[tuple[str, str, str]]:
    """(field, code, message) for every field a profile cannot be saved with: the rules of a match,
    so that a saved profile can always be matched and shown."""
    problems = []
    try:
        check_text(data.narrative, max_chars)
    except MatchInputError as exc:
        code = ("narrative_empty" if not (data.narrative or "").strip() else
                "narrative_too_long" if len(data.narrative) > max_chars else "narrative_no_words")
        problems.append(("narrative", code, str(exc)))
    try:
        check_language(data.narrative_language)
    except MatchInputError as exc:
        problems.append(("narrative_language", "language_unknown", str(exc)))
    if data.years_experience is not None and not 0 <= data.years_experience <= 70:
        problems.append(("years_experience", "years_range", "years of experience must be between 0 and 70"))
    for d in data.documents or []:
        if d.get("kind") not in DOCUMENT_KINDS:
            problems.append(("documents", "document_kind", f"document kind must be one of {', '.join(DOCUMENT_KINDS)}"))
    return problems


def add_profile(session: Session, actor: Actor, person_id: int, data: ProfileInput, max_chars: int = 5000) -> Profile:
    """A new version; earlier versions stay as they were. Refused (nothing stored) when a field
    breaks the rules of a match."""
    person = get_person(session, actor, person_id)
    problems = profile_problems(data, max_chars)
    if problems:
        raise Invalid("; ".join(f"{f}: {m}" for f, _, m in problems), [(f, c) for f, c, _ in problems])
    data.narrative_language = check_language(data.narrative_language)
    for _attempt in range(5):
        last = session.scalar(select(func.max(Profile.version)).where(Profile.person_id == person.id)) or 0
        profile = Profile(person_id=person.id, version=last + 1, narrative=data.narrative,
                          narrative_language=data.narrative_language, languages=data.languages or [],
                          years_experience=data.years_experience, country=data.country, documents=data.documents or [],
                          municipality=data.municipality, created_by=actor.user_id)
        # Two versions saved at once both read the same max(version); the unique (person, version)
        # constraint refuses the second, which takes the next number.
        session.add(profile)
        try:
            session.flush()
            break
        except IntegrityError:
            session.rollback()  # nothing else was written yet: start again from a fresh read
    else:
        raise Conflict("another profile of this person was being saved at the same time: try again")
    record(session, actor, "create", "profile", person.pseudonym, {"version": profile.version})

    add_measure(session, actor, person, "profiling", None, detail={"profile_version": profile.version}, commit=False)
    session.commit()
    return profile


def list_profiles(session: Session, actor: Actor, person_id: int) -> list[Profile]:
    person = get_person(session, actor, person_id)
    rows = list(session.scalars(select(Profile).where(Profile.person_id == person.id).order_by(Profile.version)))
    record(session, actor, "read", "profile", person.pseudonym, {"versions": [p.version for p in rows]})
    session.commit()
    return rows


def get_profile(session: Session, actor: Actor, profile_id: int, audit: bool = True) -> tuple[Person, Profile]:
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise NotFound(f"no profile {profile_id}")
    person = get_person(session, actor, profile.person_id)
    if audit:
        record(session, actor, "read", "profile", person.pseudonym, {"version": profile.version})
        session.commit()
    return person, profile


def store_match(session: Session, actor: Actor, person: Person, profile: Profile, result: dict, model_version: str,
                taxonomy_version: int, pathways: list[dict] | None = None) -> MatchRecord:
    rec = MatchRecord(person_id=person.id, profile_id=profile.id, organisation_id=person.organisation_id, result=result,
                      needs_review=bool(result.get("needs_review")), model_version=model_version,
                      taxonomy_version=taxonomy_version, pathways=pathways, created_by=actor.user_id)
    session.add(rec)
    session.flush()
    record(session, actor, "create", "match", person.pseudonym, {"match_id": rec.id, "profile_version": profile.version})
    session.commit()
    return rec


RowT = TypeVar("RowT", MatchRecord, Decision)


def _rows_of_person(session: Session, actor: Actor, person_id: int, table: type[RowT], resource: str) -> list[RowT]:
    """A person's rows of one table, oldest first; the read is audited with their count."""
    person = get_person(session, actor, person_id)
    rows = list(session.scalars(select(table).where(table.person_id == person.id).order_by(table.id)))
    record(session, actor, "read", resource, person.pseudonym, {"count": len(rows)})
    session.commit()
    return rows


def list_matches(session: Session, actor: Actor, person_id: int) -> list[MatchRecord]:
    return _rows_of_person(session, actor, person_id, MatchRecord, "match")


_TARGETS = {"occupation": re.compile(r"^https?://data\.europa\.eu/esco/occupation/[0-9A-Za-z-]{1,64}$"),
            "vacancy": re.compile(r"^vacancy:[0-9]{1,10}$")}


def check_target(target_kind: str, target_uri: str) -> None:
    """A decision names what it is about, an ESCO occupation URI or ``vacancy:ID``, never free text:
    the row stays after erasure, so it must not be able to hold a name or a phone number."""
    pattern = _TARGETS.get(target_kind)
    if pattern is None:
        raise Invalid("target_kind must be occupation or vacancy")
    if not pattern.match(target_uri or ""):
        raise Invalid("target_uri must be an ESCO occupation URI (http://data.europa.eu/esco/occupation/...)"
                      if target_kind == "occupation" else "target_uri of a vacancy must be vacancy:ID")


def add_decision(session: Session, actor: Actor, person_id: int, data: DecisionCreate) -> Decision:
    person = get_person(session, actor, person_id)
    check_target(data.target_kind, data.target_uri)
    if data.status not in DECISION_STATUSES:
        raise Invalid(f"status must be one of {', '.join(DECISION_STATUSES)}")
    if data.status == "rejected" and not (data.reason or "").strip():
        raise Invalid("a rejection needs a reason")
    language = None
    if data.match_id is not None:
        m = session.get(MatchRecord, data.match_id)
        if m is None or m.person_id != person.id:
            raise NotFound(f"no match {data.match_id} for this person")
        prof = session.get(Profile, m.profile_id)
        language = prof.narrative_language if prof else None
    if data.corrects_id is not None:
        prev = session.get(Decision, data.corrects_id)
        if prev is None or prev.person_id != person.id:
            raise NotFound(f"no decision {data.corrects_id} for this person")
    dec = Decision(person_id=person.id, match_id=data.match_id, organisation_id=person.organisation_id,
                   target_kind=data.target_kind, target_uri=data.target_uri, isco_code=data.isco_code, status=data.status,
                   reason=data.reason, outcome_date=data.outcome_date, narrative_language=language,
                   corrects_id=data.corrects_id, recorded_by=actor.user_id)
    session.add(dec)
    session.flush()
    record(session, actor, "create", "decision", person.pseudonym, {"decision_id": dec.id, "status": data.status})
    follow = {"hired": "hiring", "certified": "certification", "proposed": "job_proposal"}.get(data.status)
    if follow:

        add_measure(session, actor, person, follow, data.status, data.outcome_date,
                    {"decision_id": dec.id, "target": data.target_uri}, commit=False)
    session.commit()
    return dec


def list_decisions(session: Session, actor: Actor, person_id: int) -> list[Decision]:
    return _rows_of_person(session, actor, person_id, Decision, "decision")


def erase_person(session: Session, actor: Actor, person_id: int) -> str:
    """GDPR erasure, in one transaction: profiles and matches (narratives, evidence) are deleted,
    the person keeps only its pseudonym and erasure date, decisions stay for statistics with no
    link to the person and no free text, and the audit trail records the erasure."""
    ensure(actor, Action.ERASE_PERSON, "only the owning operator or an admin erases a person")
    person = get_person(session, actor, person_id, for_erasure=True)
    pseudonym = person.pseudonym
    try:
        session.execute(update(Decision).where(Decision.person_id == person.id)
                        .values(person_id=None, match_id=None, reason=None, corrects_id=None))
        session.execute(delete(MatchRecord).where(MatchRecord.person_id == person.id))
        session.execute(delete(VacancySuggestion).where(VacancySuggestion.person_id == person.id))
        session.execute(delete(ValidatedSkill).where(ValidatedSkill.person_id == person.id))
        _erase_network(session, person.id)
        session.execute(delete(Profile).where(Profile.person_id == person.id))
        person.external_ref = person.external_ref_hash = None
        person.erased_at = utcnow()
        erase_key(session, person)  # whatever of theirs survives anywhere, sealed, can no longer be opened
        record(session, actor, "erase", "person", pseudonym)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _scrub_free_space(session)
    return pseudonym


def _erase_network(session: Session, person_id: int) -> None:
    """Referrals lose the card they carried and their free text; consents and assessment notes go;
    measures keep their kind and date (no outcome, no detail) for the counts analysts see; internships
    lose their list of skills to observe."""
    session.execute(update(Referral).where(Referral.person_id == person_id)
                    .values(card=None, reason=None, decline_reason=None,
                            status=case((Referral.status == "pending", "withdrawn"), else_=Referral.status)))
    internships = select(Internship.id).where(Internship.person_id == person_id)
    session.execute(update(InternshipAssessment).where(InternshipAssessment.internship_id.in_(internships)).values(note=None))
    # the host employer read the skills to observe: after erasure it reads nothing of the person
    session.execute(update(Internship).where(Internship.person_id == person_id).values(skills_to_observe=[]))
    session.execute(update(Measure).where(Measure.person_id == person_id).values(outcome=None, detail=None))
    session.execute(update(Consent).where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
                    .values(withdrawn_at=utcnow()))


def _scrub_free_space(session: Session) -> None:
    """SQLite keeps deleted rows in free pages and in the write-ahead log until they are reused:
    with secure_delete on (see db.session) freed pages are zeroed, and a checkpoint empties the WAL."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def outcome_stats(session: Session, group_digits: int = 1) -> dict:
    """Pseudonymised outcome counts for analysts: per ISCO group and per narrative language, no people."""
    rows = session.execute(select(Decision.isco_code, Decision.narrative_language, Decision.status))
    by_group: dict[str, Counter] = {}
    by_lang: dict[str, Counter] = {}
    for isco, lang, status in rows:
        g = (isco or "????")[:group_digits]
        by_group.setdefault(g, Counter())[status] += 1
        by_lang.setdefault(lang or "unknown", Counter())[status] += 1
    return {"by_isco_group": {k: dict(v) for k, v in sorted(by_group.items())},
            "by_language": {k: dict(v) for k, v in sorted(by_lang.items())}}
