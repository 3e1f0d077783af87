"""The pathway of a person for each suggested occupation (or any occupation, a vacancy's)."""
from __future__ import annotations

from matcher.pathway.rules import PathwayRules, PersonFacts, decide


def occupation_entry(matcher, occupation_uri: str, evidenced: set[str], result: dict) -> dict:  # noqa: ANN001
    """The person's standing on an occupation the match may not list (a vacancy's)."""
    for o in result.get("occupations", []):
        if o["uri"] == occupation_uri:
            return o
    tax = matcher.taxonomy_
    rec = tax.occupations[occupation_uri]
    shown: list[dict] = []
    missing: list[dict] = []
    for s in tax.essential.get(occupation_uri, []):
        if s in tax.skills:
            item = {"uri": s, "label": tax.skills[s].label(matcher.label_language)}
            (shown if s in evidenced else missing).append(item)
    return {"uri": occupation_uri, "label": rec.label(matcher.label_language), "isco_code": rec.isco_code,
            "essential_skills_shown": shown, "essential_skills_missing": missing}


def pathway_for(matcher, occupation: dict, facts: PersonFacts, rules: PathwayRules) -> dict:  # noqa: ANN001
    shown = [s["uri"] for s in occupation.get("essential_skills_shown", [])]
    missing = [s["uri"] for s in occupation.get("essential_skills_missing", [])]
    close = matcher.close_skills(missing, shown)
    return decide(occupation, facts, close, rules).to_dict()


def pathways(matcher, result: dict, facts: PersonFacts, rules: PathwayRules, top: int = 5) -> list[dict]:  # noqa: ANN001
    return [pathway_for(matcher, o, facts, rules) for o in result.get("occupations", [])[:top]]
