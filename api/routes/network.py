"""The local network: consent, referrals between organisations, measures, internships."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from api.deps import DB, Analyst, Matcher, Operator, PathId, get_rules, require
from matcher.accounts.actors import Actor
from matcher.accounts.models import Organisation
from matcher.accounts.permissions import Action
from matcher.accounts.schemas import OrganisationPublic
from matcher.network import service as network
from matcher.network.internships import open_internship_for_pathway
from matcher.network.schemas import (
    ConsentCreate,
    ConsentPublic,
    InternshipAssessmentCreate,
    InternshipCreate,
    InternshipPublic,
    MeasureCreate,
    MeasurePublic,
    ReferralCreate,
    ReferralDecision,
    ReferralPublic,
)
from matcher.people.access import get_person
from matcher.people.card import card as person_card
from matcher.people.standing import NoProfile

router = APIRouter(tags=["network"])


@router.get("/network/organisations", response_model=list[OrganisationPublic])
def network_organisations(db: DB, actor: Annotated[Actor, Depends(require(Action.READ_NETWORK))]) -> list:
    """The organisations of the network (to refer a person to, or to host an internship)."""
    return list(db.scalars(select(Organisation).order_by(Organisation.name)))


@router.post("/persons/{person_id}/consents", response_model=ConsentPublic, status_code=201)
def add_consent(person_id: PathId, body: ConsentCreate, db: DB, actor: Operator):  # noqa: ANN201
    """Record the person's consent to share their data with one organisation for one purpose."""
    return network.record_consent(db, actor, person_id, body.recipient_organisation_id, body.purpose)


@router.get("/persons/{person_id}/consents", response_model=list[ConsentPublic])
def consents(person_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    return network.list_consents(db, actor, person_id)


@router.post("/persons/{person_id}/consents/{consent_id}/withdraw", response_model=ConsentPublic)
def withdraw(person_id: PathId, consent_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    return network.withdraw_consent(db, actor, person_id, consent_id)


def _public(r, pseudonym: str | None = None, with_card: bool = False) -> ReferralPublic:  # noqa: ANN001
    return ReferralPublic(id=r.id, person_id=r.person_id, pseudonym=pseudonym, from_organisation_id=r.from_organisation_id,
                          to_organisation_id=r.to_organisation_id, consent_id=r.consent_id, reason=r.reason, status=r.status,
                          decline_reason=r.decline_reason, created_at=r.created_at, decided_at=r.decided_at,
                          card=r.card if with_card else None)


@router.post("/persons/{person_id}/referrals", response_model=ReferralPublic, status_code=201)
async def refer(person_id: PathId, body: ReferralCreate, request: Request, db: DB, actor: Operator, matcher: Matcher) -> ReferralPublic:
    """Refer a person to another organisation with the profiling card as it stands; needs the
    person's recorded consent for that recipient."""
    ranker = request.app.state.ranker.get(db, matcher.taxonomy_)
    try:
        card = await run_in_threadpool(person_card, db, actor, person_id, matcher, ranker, get_rules(request))
    except NoProfile:
        card = None
    r = network.refer(db, actor, person_id, body.to_organisation_id, body.reason, card)
    return _public(r)


@router.get("/referrals", response_model=list[ReferralPublic])
def referrals(db: DB, actor: Operator, direction: str = Query("incoming", pattern="^(incoming|outgoing)$"),
              status: str | None = Query(None, pattern="^(pending|accepted|declined|withdrawn)$")) -> list:
    return [_public(r) for r in network.list_referrals(db, actor, direction, status)]


@router.get("/referrals/{referral_id}", response_model=ReferralPublic)
def referral(referral_id: PathId, db: DB, actor: Operator) -> ReferralPublic:
    """The referral with the card it carried (for the sending and the receiving organisation)."""
    r, pseudonym = network.get_referral(db, actor, referral_id)
    return _public(r, pseudonym, with_card=network.card_visible(r, actor))


@router.post("/referrals/{referral_id}/{action}", response_model=ReferralPublic)
def decide(referral_id: PathId, action: str, db: DB, actor: Operator, body: ReferralDecision | None = None) -> ReferralPublic:
    """``accept`` or ``decline`` (with a reason) by the receiving organisation; ``withdraw`` by the sending one."""
    if action not in ("accept", "decline", "withdraw"):
        raise HTTPException(404, f"no action {action!r}: accept, decline or withdraw")
    return _public(network.decide_referral(db, actor, referral_id, action, body.reason if body else None))


@router.get("/persons/{person_id}/measures", response_model=list[MeasurePublic])
def measures(person_id: PathId, db: DB, actor: Operator):  # noqa: ANN201
    """The person's measures across the organisations of the network, oldest first."""
    return network.timeline(db, actor, person_id)


@router.post("/persons/{person_id}/measures", response_model=MeasurePublic, status_code=201)
def add_measure(person_id: PathId, body: MeasureCreate, db: DB, actor: Operator):  # noqa: ANN201
    person = get_person(db, actor, person_id)
    return network.add_measure(db, actor, person, body.kind, body.outcome, body.on_date)


def _internship(i, pseudonym: str) -> InternshipPublic:  # noqa: ANN001
    return InternshipPublic(id=i.id, pseudonym=pseudonym, organisation_id=i.organisation_id, host_organisation_id=i.host_organisation_id,
                            occupation_uri=i.occupation_uri, skills_to_observe=i.skills_to_observe, status=i.status,
                            start_date=i.start_date, end_date=i.end_date)


@router.post("/persons/{person_id}/internships", response_model=InternshipPublic, status_code=201)
def open_internship(person_id: PathId, body: InternshipCreate, request: Request, db: DB, actor: Operator,
                    matcher: Matcher) -> InternshipPublic:
    """Open an internship where the pathway advises one; the skills to observe default to the pathway's."""
    skills = [s.model_dump() for s in body.skills_to_observe] if body.skills_to_observe is not None else None
    return _internship(*open_internship_for_pathway(
        db, actor, person_id, host_organisation_id=body.host_organisation_id, occupation_uri=body.occupation_uri, matcher=matcher,
        rules=get_rules(request), skills_to_observe=skills, start_date=body.start_date))


@router.get("/internships/{internship_id}", response_model=InternshipPublic)
def internship(internship_id: PathId, db: DB, actor: Annotated[Actor, Depends(require(Action.READ_INTERNSHIP))]) -> InternshipPublic:
    return _internship(*network.get_internship(db, actor, internship_id))


@router.post("/internships/{internship_id}/assessment", response_model=InternshipPublic)
def assess(internship_id: PathId, body: InternshipAssessmentCreate, db: DB,
           actor: Annotated[Actor, Depends(require(Action.ASSESS_INTERNSHIP))]) -> InternshipPublic:
    """The host employer's tutor assesses each listed skill; observed skills become validated evidence."""
    i = network.assess_internship(db, actor, internship_id, [a.model_dump() for a in body.assessments], body.end_date)
    return _internship(*network.get_internship(db, actor, i.id))


@router.get("/stats/measures")
def measure_stats(db: DB, actor: Analyst, period: str = Query("month", pattern="^(month|year)$")) -> dict:
    """Counts and durations per organisation and period; never people."""
    return network.measure_stats(db, period)
