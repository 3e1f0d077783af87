"""Opening an internship where the person's pathway for the occupation advises one: the operator's
use case over ``matcher.network.service.open_internship``, which records it."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.errors import Conflict, Invalid
from matcher.matching.matcher import SkillMatcher
from matcher.network.models import Internship
from matcher.network.service import open_internship
from matcher.pathway.rules import PathwayRules
from matcher.people.access import get_person
from matcher.people.standing import standing


def open_internship_for_pathway(session: Session, actor: Actor, person_id: int, *, host_organisation_id: int,
                                occupation_uri: str, matcher: SkillMatcher, rules: PathwayRules,
                                skills_to_observe: list[dict] | None = None, start_date: date | None = None) -> tuple[Internship, str]:
    """The skills to observe default to the pathway's, and then the pathway must be internship
    validation; an operator who lists the skills decides for themselves. Returns the internship and
    the person's pseudonym."""
    person = get_person(session, actor, person_id)
    if occupation_uri not in matcher.taxonomy_.occupations:
        raise Invalid(f"occupation_uri: {occupation_uri} is not an occupation of the active taxonomy")
    if skills_to_observe is None:
        p = standing(session, actor, person, matcher, rules).pathway(matcher, occupation_uri, rules)
        if p["pathway"] != "internship_validation":
            raise Conflict(f"the pathway for this occupation is {p['pathway']}, not internship_validation: " + " ".join(p["reasons"]["en"]))
        skills_to_observe = [{"uri": s["uri"], "label": s["label"]} for s in p["skills_to_observe"]]
    return open_internship(session, actor, person_id, host_organisation_id, occupation_uri, skills_to_observe, start_date), person.pseudonym
