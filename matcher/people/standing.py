"""What the service knows of a person now: the latest profile, its match (made again when the model
changed), the facts the pathway reads and the evidence the vacancy ranking reads."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.errors import NotFound
from matcher.pathway.rules import PathwayRules, PersonFacts
from matcher.pathway.service import occupation_entry, pathway_for, pathways
from matcher.people.models import MatchRecord, Person, Profile, ValidatedSkill
from matcher.people.service import store_match
from matcher.vacancies.evidence import PersonEvidence
from matcher.vacancies.geo import PlaceError, resolve


def facts_for(session: Session, person: Person, profile: Profile) -> PersonFacts:
    validated = set(session.scalars(select(ValidatedSkill.skill_uri).where(ValidatedSkill.person_id == person.id)))
    return PersonFacts(profile.years_experience, {d.get("kind") for d in profile.documents or []}, validated)


class NoProfile(NotFound):
    """The person has no profile yet: nothing to match, no card (a referral then goes without one)."""


def latest_profile(session: Session, person: Person) -> Profile:
    profile = session.scalar(select(Profile).where(Profile.person_id == person.id).order_by(Profile.version.desc()))
    if profile is None:
        raise NoProfile("this person has no profile yet: add one first")
    return profile


def latest_match(session: Session, actor: Actor, person: Person, profile: Profile, matcher, rules: PathwayRules) -> MatchRecord:  # noqa: ANN001
    """The stored match of the profile's current version, made now if there is none or the model changed."""
    rec = session.scalar(select(MatchRecord).where(MatchRecord.profile_id == profile.id).order_by(MatchRecord.id.desc()))
    if rec is None or rec.model_version != matcher.model_version:
        result = matcher.match(profile.narrative, language=profile.narrative_language).to_dict()
        facts = facts_for(session, person, profile)
        rec = store_match(session, actor, person, profile, result, matcher.model_version, matcher.taxonomy_.version_id,
                          pathways(matcher, result, facts, rules))
    return rec


def person_evidence(profile: Profile, result: dict, facts: PersonFacts) -> PersonEvidence:
    place = None
    if profile.municipality:
        try:
            place = resolve(profile.municipality)
        except PlaceError:
            place = None
    return PersonEvidence.from_match(result, facts.validated_skills, place)


@dataclass
class Standing:
    """What the service knows of a person now: latest profile, its match, facts and evidence."""

    person: Person
    profile: Profile
    match: MatchRecord
    facts: PersonFacts
    evidence: PersonEvidence

    def pathway(self, matcher, occupation_uri: str, rules: PathwayRules) -> dict:  # noqa: ANN001
        """The pathway for any occupation, listed by the match or not (a vacancy's)."""
        entry = occupation_entry(matcher, occupation_uri, self.evidence.skills, self.match.result)
        return pathway_for(matcher, entry, self.facts, rules)


def standing(session: Session, actor: Actor, person: Person, matcher, rules: PathwayRules,  # noqa: ANN001
             match: MatchRecord | None = None) -> Standing:
    profile = latest_profile(session, person)
    rec = match or latest_match(session, actor, person, profile, matcher, rules)
    facts = facts_for(session, person, profile)
    return Standing(person, profile, rec, facts, person_evidence(profile, rec.result, facts))
