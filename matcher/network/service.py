"""The hand-over between organisations of the local network, with consent, and the trace of
every measure taken for a person (one timeline across organisations)."""
from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.models import Organisation
from matcher.accounts.permissions import Action, ensure, may
from matcher.db.base import utcnow
from matcher.errors import Conflict, Forbidden, Invalid, NotFound
from matcher.network.models import Consent, Internship, InternshipAssessment, Measure, Referral
from matcher.people.access import get_person
from matcher.people.models import Person, ValidatedSkill


class ConsentPurpose(StrEnum):
    """What a person consents to share their profile for."""

    REFERRAL = "referral"
    INTERNSHIP = "internship"
    JOB_PLACEMENT = "job_placement"


class MeasureKind(StrEnum):
    """The measures of a person's path, from the first interview to hiring."""

    GUIDANCE_INTERVIEW = "guidance_interview"
    PROFILING = "profiling"
    REFERRAL = "referral"
    INTERNSHIP_PROPOSED = "internship_proposed"
    INTERNSHIP_STARTED = "internship_started"
    SKILLS_VALIDATION = "skills_validation"
    CERTIFICATION = "certification"
    TRAINING = "training"
    JOB_PROPOSAL = "job_proposal"
    HIRING = "hiring"


PURPOSES = tuple(ConsentPurpose)
MEASURE_KINDS = tuple(MeasureKind)


def add_measure(session: Session, actor: Actor, person: Person, kind: str, outcome: str | None = None,
                on_date: date | None = None, detail: dict | None = None, commit: bool = True) -> Measure:
    if kind not in MEASURE_KINDS:
        raise Invalid(f"kind must be one of {', '.join(MEASURE_KINDS)}")
    m = Measure(person_id=person.id, organisation_id=actor.organisation_id, kind=kind, outcome=outcome,
                on_date=on_date or date.today(), detail=detail, recorded_by=actor.user_id)
    session.add(m)
    session.flush()
    record(session, actor, "create", "measure", person.pseudonym, {"kind": kind, "measure_id": m.id})
    if commit:
        session.commit()
    return m


def timeline(session: Session, actor: Actor, person_id: int) -> list[Measure]:
    person = get_person(session, actor, person_id)
    rows = list(session.scalars(select(Measure).where(Measure.person_id == person.id).order_by(Measure.on_date, Measure.id)))
    record(session, actor, "read", "measure", person.pseudonym, {"count": len(rows)})
    session.commit()
    return rows


# ---- consent -------------------------------------------------------------------------------------
def record_consent(session: Session, actor: Actor, person_id: int, recipient_organisation_id: int, purpose: str) -> Consent:
    person = get_person(session, actor, person_id, as_owner=True)
    if purpose not in PURPOSES:
        raise Invalid(f"purpose must be one of {', '.join(PURPOSES)}")
    if session.get(Organisation, recipient_organisation_id) is None:
        raise NotFound(f"no organisation {recipient_organisation_id}")
    c = Consent(person_id=person.id, recipient_organisation_id=recipient_organisation_id, purpose=purpose,
                recorded_by=actor.user_id)
    session.add(c)
    session.flush()
    record(session, actor, "create", "consent", person.pseudonym, {"consent_id": c.id, "recipient": recipient_organisation_id,
                                                                    "purpose": purpose})
    session.commit()
    return c


def list_consents(session: Session, actor: Actor, person_id: int) -> list[Consent]:
    person = get_person(session, actor, person_id)
    rows = list(session.scalars(select(Consent).where(Consent.person_id == person.id).order_by(Consent.id)))
    record(session, actor, "read", "consent", person.pseudonym)
    session.commit()
    return rows


def withdraw_consent(session: Session, actor: Actor, person_id: int, consent_id: int) -> Consent:
    """Stops further sharing: referrals still pending on this consent are withdrawn. What was
    already accepted stays with the receiving office, which has taken the person in charge."""
    person = get_person(session, actor, person_id, as_owner=True)
    c = session.get(Consent, consent_id)
    if c is None or c.person_id != person.id:
        raise NotFound(f"no consent {consent_id} for this person")
    if c.withdrawn_at is None:
        c.withdrawn_at, c.withdrawn_by = utcnow(), actor.user_id
        for r in session.scalars(select(Referral).where(Referral.consent_id == c.id, Referral.status == "pending")):
            r.status, r.decided_at, r.decided_by = "withdrawn", utcnow(), actor.user_id
            r.card = None  # the receiver never took the person in charge: the copy of the card goes
        record(session, actor, "withdraw", "consent", person.pseudonym, {"consent_id": c.id})
        session.commit()
    return c


def _valid_consent(session: Session, person_id: int, recipient: int, purpose: str) -> Consent | None:
    return session.scalar(select(Consent).where(Consent.person_id == person_id, Consent.recipient_organisation_id == recipient,
                                                Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
                          .order_by(Consent.id.desc()))


# ---- referrals -----------------------------------------------------------------------------------
def refer(session: Session, actor: Actor, person_id: int, to_organisation_id: int, reason: str | None,
          card: dict | None) -> Referral:
    person = get_person(session, actor, person_id, as_owner=True)
    to = session.get(Organisation, to_organisation_id)
    if to is None:
        raise NotFound(f"no organisation {to_organisation_id}")
    if to.id == actor.organisation_id:
        raise Invalid("a referral goes to another organisation")
    if to.kind == "employer":
        raise Invalid("people are referred to CPIs, reception centres, agencies or training bodies; "
                      "an employer hosts an internship (POST /persons/{id}/internships)")
    consent = _valid_consent(session, person.id, to.id, "referral")
    if consent is None:
        raise Conflict(f"no recorded consent of the person to share their data with {to.name} for a referral: "
                       "record it first (POST /persons/{id}/consents)")
    if session.scalar(select(Referral.id).where(Referral.person_id == person.id, Referral.to_organisation_id == to.id,
                                                Referral.status.in_(("pending", "accepted")))):
        raise Conflict(f"the person is already referred to {to.name}")
    r = Referral(person_id=person.id, from_organisation_id=actor.organisation_id, to_organisation_id=to.id,
                 consent_id=consent.id, reason=reason, card=_minimised(card), created_by=actor.user_id)
    session.add(r)
    session.flush()
    record(session, actor, "create", "referral", person.pseudonym, {"referral_id": r.id, "to": to.id})
    add_measure(session, actor, person, "referral", "pending", detail={"referral_id": r.id, "to": to.id}, commit=False)
    session.commit()
    return r


def _minimised(card: dict | None) -> dict | None:
    """The card as the receiver needs it: the sender's own file number is no business of the receiver."""
    if not card:
        return card
    person = {k: v for k, v in (card.get("person") or {}).items() if k != "external_ref"}
    return {**card, "person": person}


def card_visible(r: Referral, actor: Actor) -> bool:
    """The receiver reads the card while the referral is pending or accepted; a declined or
    withdrawn referral gives it nothing (and its copy of the card is deleted)."""
    return r.status in ("pending", "accepted") or actor.organisation_id == r.from_organisation_id


def _referral_for(session: Session, actor: Actor, referral_id: int) -> Referral:
    r = session.get(Referral, referral_id)
    if r is None or not may(actor, Action.CASEWORK) or actor.organisation_id not in (r.from_organisation_id, r.to_organisation_id):
        raise NotFound(f"no referral {referral_id}")
    return r


def list_referrals(session: Session, actor: Actor, direction: str = "incoming", status: str | None = None) -> list[Referral]:
    ensure(actor, Action.CASEWORK, "referrals are between operators' organisations")
    col = Referral.to_organisation_id if direction == "incoming" else Referral.from_organisation_id
    stmt = select(Referral).where(col == actor.organisation_id)
    if status:
        stmt = stmt.where(Referral.status == status)
    rows = list(session.scalars(stmt.order_by(Referral.id.desc())))
    record(session, actor, "list", "referral", detail={"direction": direction, "count": len(rows)})
    session.commit()
    return rows


def _person_row(session: Session, person_id: int) -> Person:
    """The person a referral or an internship belongs to (access is checked by the caller)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def get_referral(session: Session, actor: Actor, referral_id: int) -> tuple[Referral, str]:
    r = _referral_for(session, actor, referral_id)
    pseudonym = _person_row(session, r.person_id).pseudonym
    record(session, actor, "read", "referral", pseudonym, {"referral_id": r.id})
    session.commit()
    return r, pseudonym


def decide_referral(session: Session, actor: Actor, referral_id: int, action: str, reason: str | None = None) -> Referral:
    r = _referral_for(session, actor, referral_id)
    person = _person_row(session, r.person_id)
    if action in ("accept", "decline"):
        if actor.organisation_id != r.to_organisation_id:
            raise Forbidden("only the receiving organisation accepts or declines a referral")
        if r.status != "pending":
            raise Conflict(f"the referral is {r.status}")
        if action == "accept":
            consent = session.get(Consent, r.consent_id)
            if consent is None or consent.withdrawn_at is not None:
                raise Conflict("the person withdrew the consent this referral rests on")
        elif not (reason or "").strip():
            raise Invalid("declining a referral needs a reason")
        r.status = "accepted" if action == "accept" else "declined"
        r.decline_reason = reason if action == "decline" else None
        if action == "decline":
            r.card = None
    elif action == "withdraw":
        if actor.organisation_id != r.from_organisation_id:
            raise Forbidden("only the sending organisation withdraws a referral")
        if r.status not in ("pending", "accepted"):
            raise Conflict(f"the referral is {r.status}")
        r.status, r.card = "withdrawn", None
    else:
        raise Invalid("action must be accept, decline or withdraw")
    r.decided_at, r.decided_by = utcnow(), actor.user_id
    record(session, actor, action, "referral", person.pseudonym, {"referral_id": r.id})
    add_measure(session, actor, person, "referral", r.status, detail={"referral_id": r.id}, commit=False)
    session.commit()
    return r


# ---- internships ---------------------------------------------------------------------------------
def open_internship(session: Session, actor: Actor, person_id: int, host_organisation_id: int, occupation_uri: str,
                    skills_to_observe: list[dict], start_date: date | None = None) -> Internship:
    person = get_person(session, actor, person_id)
    host = session.get(Organisation, host_organisation_id)
    if host is None or host.kind != "employer":
        raise Invalid("the host of an internship is an employer organisation of the network")
    if not skills_to_observe:
        raise Invalid("an internship lists the essential skills to observe")
    if _valid_consent(session, person.id, host.id, "internship") is None:
        raise Conflict(f"no recorded consent of the person to share their data with {host.name} for an internship")
    i = Internship(person_id=person.id, organisation_id=actor.organisation_id, host_organisation_id=host.id,
                   occupation_uri=occupation_uri, skills_to_observe=skills_to_observe, start_date=start_date or date.today(),
                   created_by=actor.user_id)
    session.add(i)
    session.flush()
    record(session, actor, "create", "internship", person.pseudonym, {"internship_id": i.id, "host": host.id})
    add_measure(session, actor, person, "internship_started", None, i.start_date,
                {"internship_id": i.id, "host": host.id, "occupation": occupation_uri}, commit=False)
    session.commit()
    return i


def get_internship(session: Session, actor: Actor, internship_id: int) -> tuple[Internship, str]:
    """Operators who may see the person, and the host employer (which sees the pseudonym and the
    skills to observe, never the narrative)."""
    i = session.get(Internship, internship_id)
    if i is None:
        raise NotFound(f"no internship {internship_id}")
    person = _person_row(session, i.person_id)
    if actor.role == "employer":
        if actor.organisation_id != i.host_organisation_id:
            raise NotFound(f"no internship {internship_id}")
    else:
        get_person(session, actor, i.person_id)
    record(session, actor, "read", "internship", person.pseudonym, {"internship_id": i.id})
    session.commit()
    return i, person.pseudonym


def assess_internship(session: Session, actor: Actor, internship_id: int, assessments: list[dict],
                      end_date: date | None = None) -> Internship:
    """The tutor's assessment at the end: each listed skill observed or not, with a note. Observed
    skills become validated evidence on the person's profile."""
    i, pseudonym = get_internship(session, actor, internship_id)
    if i.status == "completed":
        raise Conflict("the internship is already assessed")
    listed = {s["uri"] for s in i.skills_to_observe}
    given = {a["skill_uri"] for a in assessments}
    if given - listed:
        raise Invalid(f"skill {sorted(given - listed)[0]} was not listed to observe in this internship")
    if listed - given:
        raise Invalid(f"assess every listed skill: missing {sorted(listed - given)[0]}")
    person = _person_row(session, i.person_id)
    observed = []
    for a in assessments:
        session.add(InternshipAssessment(internship_id=i.id, skill_uri=a["skill_uri"], observed=bool(a["observed"]),
                                         note=a.get("note"), recorded_by=actor.user_id))
        if a["observed"]:
            observed.append(a["skill_uri"])
            session.add(ValidatedSkill(person_id=person.id, skill_uri=a["skill_uri"], source="internship",
                                       recorded_by=actor.user_id))
    i.status, i.end_date = "completed", end_date or date.today()
    record(session, actor, "assess", "internship", pseudonym, {"internship_id": i.id, "observed": len(observed)})
    add_measure(session, actor, person, "skills_validation", f"{len(observed)}/{len(listed)} observed", i.end_date,
                {"internship_id": i.id, "validated": observed}, commit=False)
    session.commit()
    return i


# ---- statistics for analysts ---------------------------------------------------------------------
def measure_stats(session: Session, period: str = "month") -> dict:
    """Counts per organisation, period and kind, and the days from first contact to an internship
    and to hiring: no person identifiers, only aggregates."""
    rows = list(session.execute(select(Measure.person_id, Measure.organisation_id, Measure.kind, Measure.on_date)))
    counts: dict[tuple, int] = defaultdict(int)
    first: dict[int, date] = {}
    first_internship: dict[int, date] = {}
    first_hiring: dict[int, date] = {}
    for pid, org, kind, day in rows:
        key = day.strftime("%Y-%m") if period == "month" else str(day.year)
        counts[(org, key, kind)] += 1
        first[pid] = min(first.get(pid, day), day)
        if kind == "internship_started":
            first_internship[pid] = min(first_internship.get(pid, day), day)
        if kind == "hiring":
            first_hiring[pid] = min(first_hiring.get(pid, day), day)

    def durations(target: dict[int, date]) -> dict:
        days = [(d - first[p]).days for p, d in target.items()]
        return {"people": len(days), "median_days": statistics.median(days) if days else None,
                "mean_days": round(statistics.mean(days), 1) if days else None}

    return {"counts": [{"organisation_id": o, "period": k, "kind": kind, "count": n} for (o, k, kind), n in sorted(counts.items())],
            "first_contact_to_internship": durations(first_internship),
            "first_contact_to_hiring": durations(first_hiring)}
