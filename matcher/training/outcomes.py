"""Operators' recorded outcomes as training examples and as a time-split evaluation set.

A suggestion an operator accepted (or that led to validation, certification or hiring) is a
positive for the narrative it was made for; a rejected one is a hard negative. Only the text goes
into training, pseudonymised (no pseudonym, no capitalised names or places, no long numbers), and
never leaves the service. Erased people's rows have no link to a profile and are not used.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.benchmarks.evaluation import Narrative
from matcher.people.models import Decision, MatchRecord, Person, Profile
from matcher.training.examples import Example, pseudonymise

POSITIVE = ("accepted", "internship_started", "skills_validated", "certified", "hired")
NEGATIVE = ("rejected",)


def _rows(session: Session, since: datetime | None = None, before: datetime | None = None):  # noqa: ANN202
    # whole rows, not columns: the narrative and the file number are sealed and opened as rows load
    q = (select(Decision, Profile, Person)
         .join(MatchRecord, MatchRecord.id == Decision.match_id)
         .join(Profile, Profile.id == MatchRecord.profile_id)
         .join(Person, Person.id == Decision.person_id)
         .where(Decision.target_kind == "occupation", Decision.status.in_(POSITIVE + NEGATIVE))
         .order_by(Decision.recorded_at, Decision.id))
    if since is not None:
        q = q.where(Decision.recorded_at >= since)
    if before is not None:
        q = q.where(Decision.recorded_at < before)
    return [(d.target_uri, d.isco_code, d.status, d.narrative_language, prof.narrative, person.pseudonym, person.external_ref,
             d.recorded_at) for d, prof, person in session.execute(q).all()]


def outcome_examples(session: Session, before: datetime | None = None) -> list[Example]:
    out = []
    for uri, isco, status, lang, narrative, pseudonym, ref, _ in _rows(session, before=before):
        text = pseudonymise(narrative, [pseudonym, ref])
        if text:
            out.append(Example(text, uri, isco, "outcome", lang or "?", positive=status in POSITIVE))
    return out


def outcome_narratives(session: Session, since: datetime) -> list[Narrative]:
    """Positive outcomes recorded since ``since``, one evaluation narrative per profile text."""
    by_text: dict[str, Narrative] = {}
    for _uri, isco, status, lang, narrative, pseudonym, ref, _ in _rows(session, since=since):
        if status not in POSITIVE or not isco:
            continue
        text = pseudonymise(narrative, [pseudonym, ref])
        n = by_text.setdefault(text, Narrative(f"outcome-{len(by_text) + 1}", lang or "?", text, []))
        if isco not in n.isco:
            n.isco.append(isco)
    return [n for n in by_text.values() if n.text]
