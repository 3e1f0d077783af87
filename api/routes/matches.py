from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import DB, Matcher, get_rules, require
from matcher.accounts.actors import Actor
from matcher.accounts.permissions import Action
from matcher.matching.schemas import MatchPublic, MatchRequest
from matcher.people.profile_match import match_profile

router = APIRouter(tags=["matches"])


@router.post("/matches", response_model=MatchPublic)
async def create_match(body: MatchRequest, request: Request, db: DB, matcher: Matcher,
                       actor: Annotated[Actor, Depends(require(Action.MATCH_TEXT))]) -> MatchPublic:
    """Match a text, or a profile's narrative (operators only: the result is stored with the model
    and taxonomy versions that produced it)."""
    if (body.text is None) == (body.profile_id is None):
        raise HTTPException(422, "give either text or profile_id")
    if body.profile_id is not None:
        # the database work and the encoder (CPU-bound C code) both off the event loop
        stored = await run_in_threadpool(match_profile, db, actor, body.profile_id, matcher, get_rules(request),
                                         language=body.language, top_k=body.top_k, label_language=body.label_language,
                                         groups_first=body.groups_first)
        return MatchPublic(id=stored.match_id, pathways=stored.pathways, **stored.result)
    # the encoder is CPU-bound C code: keep it off the event loop
    result = await run_in_threadpool(matcher.match, body.text or "", body.language, body.top_k, body.label_language,
                                     body.groups_first)
    return MatchPublic(id=None, pathways=None, **result.to_dict())
