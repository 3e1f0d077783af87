from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import DB, Matcher, get_rules, require
from matcher.accounts.actors import Actor
from matcher.accounts.permissions import Action, ensure
from matcher.matching.schemas import MatchPublic, MatchRequest
from matcher.pathway.service import pathways
from matcher.people import service as svc
from matcher.people.standing import facts_for

router = APIRouter(tags=["matches"])


@router.post("/matches", response_model=MatchPublic)
async def create_match(body: MatchRequest, request: Request, db: DB, matcher: Matcher,
                       actor: Annotated[Actor, Depends(require(Action.MATCH_TEXT))]) -> MatchPublic:
    """Match a text, or a profile's narrative (operators only: the result is stored with the model
    and taxonomy versions that produced it)."""
    if (body.text is None) == (body.profile_id is None):
        raise HTTPException(422, "give either text or profile_id")
    if body.profile_id is not None:
        ensure(actor, Action.CASEWORK, "only operators match a person's profile")
        person, profile = svc.get_profile(db, actor, body.profile_id, audit=False)
        text, language = profile.narrative, body.language or profile.narrative_language
    else:
        person, profile = None, None
        text, language = body.text or "", body.language
    # the encoder is CPU-bound C code: keep it off the event loop
    result = await run_in_threadpool(matcher.match, text, language, body.top_k, body.label_language)
    payload = result.to_dict()
    match_id = None
    paths = None
    if person is not None and profile is not None:
        assert result.model_version is not None and result.taxonomy_version is not None  # a served match carries both
        facts = facts_for(db, person, profile)
        paths = await run_in_threadpool(pathways, matcher, payload, facts, get_rules(request))
        stored = svc.store_match(db, actor, person, profile, payload, result.model_version, result.taxonomy_version, paths)
        match_id = stored.id
    return MatchPublic(id=match_id, pathways=paths, **payload)
