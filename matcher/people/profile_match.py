"""Matching a person's profile: the narrative's match, the pathway for each suggested occupation,
stored with the model and taxonomy versions that produced them (the operator's use case; a bare
text is matched by ``SkillMatcher.match`` and stored nowhere)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.permissions import Action, ensure
from matcher.matching.matcher import SkillMatcher
from matcher.matching.scoring import GROUPS_FIRST
from matcher.pathway.rules import PathwayRules
from matcher.pathway.service import pathways
from matcher.people.service import get_profile, store_match
from matcher.people.standing import facts_for


@dataclass
class ProfileMatch:
    result: dict
    match_id: int
    pathways: list[dict]


def match_profile(session: Session, actor: Actor, profile_id: int, matcher: SkillMatcher, rules: PathwayRules, *,
                  language: str | None = None, top_k: int = 10, label_language: str | None = None,
                  groups_first: int = GROUPS_FIRST) -> ProfileMatch:
    ensure(actor, Action.CASEWORK, "only operators match a person's profile")
    person, profile = get_profile(session, actor, profile_id, audit=False)
    result = matcher.match(profile.narrative, language or profile.narrative_language, top_k, label_language, groups_first)
    payload = result.to_dict()
    assert result.model_version is not None and result.taxonomy_version is not None  # a served match carries both
    paths = pathways(matcher, payload, facts_for(session, person, profile), rules)
    stored = store_match(session, actor, person, profile, payload, result.model_version, result.taxonomy_version, paths)
    return ProfileMatch(payload, stored.id, paths)
