"""Who may read a person: an operator, the people of its organisation and those referred to it by
a referral it accepted; an admin, only to erase. A person one may not see is reported as not found,
never as forbidden, so that ids cannot be probed."""
from __future__ import annotations

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.errors import Forbidden, NotFound
from matcher.network.models import Referral
from matcher.people.models import Person


def visible_to(actor: Actor):  # noqa: ANN201 - a SQL condition on Person
    """The people an operator may see: those of its organisation, and those referred to it by a
    referral it accepted (and that was not withdrawn). Nobody else's."""
    if actor.role != "operator" or actor.organisation_id is None:
        return false()
    referred = select(Referral.person_id).where(Referral.to_organisation_id == actor.organisation_id,
                                                Referral.status == "accepted")
    return or_(Person.organisation_id == actor.organisation_id, Person.id.in_(referred))


def get_person(session: Session, actor: Actor, person_id: int, for_erasure: bool = False, as_owner: bool = False) -> Person:
    """The person, if the actor may see it. ``as_owner``: the act (erasure, consent, an onward
    referral) stays with the organisation that holds the person; an accepted referral grants
    reading and the work of taking the person in charge, not ownership."""
    person = session.get(Person, person_id)
    allowed = person is not None and person.erased_at is None and (
        (actor.role == "operator" and session.scalar(select(Person.id).where(Person.id == person_id, visible_to(actor))) is not None)
        or (for_erasure and actor.role == "admin"))
    if person is None or not allowed:
        raise NotFound(f"no person {person_id}")
    if (as_owner or for_erasure) and actor.role == "operator" and person.organisation_id != actor.organisation_id:
        raise Forbidden("only the organisation that holds the person may do this (erasure, consent, onward referral); "
                        "a referral gives the receiving organisation reading access")
    return person
