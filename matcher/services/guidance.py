"""Pathways, vacancies and the profiling card for a person: what the operator does next."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.people_models import MatchRecord, Organisation, Person, Profile, ValidatedSkill
from ..db.vacancy_models import Vacancy
from ..geo import PlaceError, resolve
from ..pathway import PathwayRules, PersonFacts, decide
from ..vacancies import PersonEvidence, VacancyRanker
from .actors import Actor
from .audit import record
from .errors import NotFound
from .person_access import get_person, visible_to
from .persons import store_match


def facts_for(session: Session, person: Person, profile: Profile) -> PersonFacts:
    validated = set(session.scalars(select(ValidatedSkill.skill_uri).where(ValidatedSkill.person_id == person.id)))
    return PersonFacts(profile.years_experience, {d.get("kind") for d in profile.documents or []}, validated)


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


def latest_profile(session: Session, person: Person) -> Profile:
    profile = session.scalar(select(Profile).where(Profile.person_id == person.id).order_by(Profile.version.desc()))
    if profile is None:
        raise NotFound("this person has no profile yet: add one first")
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


def rank_vacancies_for(session: Session, actor: Actor, person_id: int, matcher, ranker: VacancyRanker,  # noqa: ANN001
                       rules: PathwayRules, max_km: float | None = None, top_k: int = 20) -> list[dict]:
    st = standing(session, actor, get_person(session, actor, person_id), matcher, rules)
    out = vacancies_for_standing(session, st, matcher, ranker, rules, max_km, top_k)
    record(session, actor, "read", "vacancy_ranking", st.person.pseudonym, {"count": len(out)})
    session.commit()
    return out


def vacancies_for_standing(session: Session, st: Standing, matcher, ranker: VacancyRanker, rules: PathwayRules,  # noqa: ANN001
                           max_km: float | None = None, top_k: int = 20) -> list[dict]:
    ranked = ranker.rank(st.evidence, max_km=max_km, top_k=top_k)
    vacs = {v.id: v for v in session.scalars(select(Vacancy).where(Vacancy.id.in_([r["vacancy_id"] for r in ranked])))}
    out = []
    for r in ranked:
        v = vacs.get(r["vacancy_id"])
        if v is None or v.status != "open":
            continue
        item = {**r, "title": v.title, "municipality": v.municipality, "province": v.province, "occupation_uri": v.occupation_uri,
                "isco_code": v.isco_code, "contract_type": v.contract_type, "positions": v.positions, "is_shortage": v.is_shortage}
        if v.occupation_uri and v.occupation_uri in matcher.taxonomy_.occupations:
            p = st.pathway(matcher, v.occupation_uri, rules)
            item["pathway"] = p["pathway"]
            item["skills_to_observe"] = p["skills_to_observe"]
            item["pathway_reasons"] = p["reasons"]
        out.append(item)
    return out


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


def candidates_for(session: Session, actor: Actor, vacancy_id: int, matcher, rules: PathwayRules,  # noqa: ANN001
                   signals: dict | None = None, top_k: int = 20) -> dict:
    """Reverse ranking: the people of the operator's organisation(s) who fit a vacancy best, from
    their latest stored match. Only operators call this; employers never see who they are."""
    from ..vacancies import get_vacancy

    v = get_vacancy(session, actor, vacancy_id)
    ranker = VacancyRanker().fit([v], matcher.taxonomy_, signals)
    people = list(session.scalars(select(Person).where(visible_to(actor), Person.erased_at.is_(None))))
    out, unmatched = [], 0
    for person in people:
        profile = session.scalar(select(Profile).where(Profile.person_id == person.id).order_by(Profile.version.desc()))
        rec = None if profile is None else \
            session.scalar(select(MatchRecord).where(MatchRecord.profile_id == profile.id).order_by(MatchRecord.id.desc()))
        if rec is None:
            unmatched += 1
            continue
        st = standing(session, actor, person, matcher, rules, match=rec)
        ranked = ranker.rank(st.evidence, top_k=1)
        if not ranked:
            continue
        item = {"person_id": person.id, "pseudonym": person.pseudonym, "score": ranked[0]["score"], "factors": ranked[0]["factors"]}
        if v.occupation_uri and v.occupation_uri in matcher.taxonomy_.occupations:
            p = st.pathway(matcher, v.occupation_uri, rules)
            item["pathway"], item["skills_to_observe"] = p["pathway"], p["skills_to_observe"]
        out.append(item)
    out.sort(key=lambda x: -x["score"])
    record(session, actor, "list", "vacancy_candidates", detail={"vacancy_id": vacancy_id, "count": len(out[:top_k])})
    session.commit()
    return {"vacancy_id": vacancy_id, "candidates": out[:top_k], "people_without_match": unmatched}
