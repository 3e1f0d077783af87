"""The profiling card: everything the operator and the person sign on paper, in one read."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.models import Organisation
from matcher.pathway.rules import PathwayRules
from matcher.pathway.service import pathways
from matcher.people.access import get_person
from matcher.people.standing import standing
from matcher.vacancies.ranking import VacancyRanker, vacancies_for_standing


def card(session: Session, actor: Actor, person_id: int, matcher, ranker: VacancyRanker, rules: PathwayRules,  # noqa: ANN001
         max_km: float | None = 100.0) -> dict:
    st = standing(session, actor, get_person(session, actor, person_id), matcher, rules)
    person, profile, rec, facts = st.person, st.profile, st.match, st.facts
    # recomputed, not read from the stored match: validated skills may have changed since
    paths = pathways(matcher, rec.result, facts, rules)
    vacancies = vacancies_for_standing(session, st, matcher, ranker, rules, max_km=max_km, top_k=10)
    record(session, actor, "read", "card", person.pseudonym, {"profile_version": profile.version})
    session.commit()
    office = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    return {
        # who issues the card, and when: it is signed on paper by the operator and the person
        "issued": {"office": office.name if office else None, "operator": actor.username, "date": date.today().isoformat()},
        "person": {"pseudonym": person.pseudonym, "external_ref": person.external_ref},
        "profile": {"version": profile.version, "narrative": profile.narrative, "narrative_language": profile.narrative_language,
                    "languages": profile.languages, "years_experience": profile.years_experience, "country": profile.country,
                    "documents": profile.documents, "municipality": profile.municipality},
        "match": {"id": rec.id, "model_version": rec.model_version, "taxonomy_version": rec.taxonomy_version,
                  "needs_review": rec.needs_review, "review_reasons": rec.result.get("review_reasons", []),
                  "review_details": rec.result.get("review_details", [])},
        "skills": rec.result.get("skills", []),
        "occupations": rec.result.get("occupations", [])[:5],
        "pathways": paths,
        "validated_skills": sorted(facts.validated_skills),
        "vacancies": vacancies,
    }
