"""What to do next: the profiling card, vacancies for a person (ranked now, or by the nightly batch), people for a vacancy."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import DB, Matcher, Operator, PathId, get_rules
from api.pages import render_card
from matcher.caseload.suggestions import suggestions_for
from matcher.people.card import card as person_card
from matcher.vacancies.ranking import candidates_for, rank_vacancies_for
from matcher.vacancies.shortage import latest_signals

router = APIRouter(tags=["guidance"])


@router.get("/persons/{person_id}/card", response_model=None)
async def profiling_card(person_id: PathId, request: Request, db: DB, actor: Operator, matcher: Matcher,
                         format: str = Query("json", pattern="^(json|html)$"),  # noqa: A002 - the documented parameter
                         lang: str = Query("it", pattern="^(it|en)$"),
                         max_km: float = Query(100.0, gt=0, le=2000),
                         person_lang: str | None = Query(None, pattern="^(it|en|fr|es|ro|pt|ar|none)$")) -> Response | dict:
    """The profiling card (scheda di profilatura): skills with evidence, occupations, the pathway
    for each, and nearby vacancies. ``format=html`` gives a document that prints cleanly, in
    ``lang`` and, side by side, in the person's language (``person_lang``, else the narrative's or
    a language the person speaks, where the card has wording in it; ``none``: one language only)."""
    ranker = request.app.state.ranker.get(db, matcher.taxonomy_)
    data = await run_in_threadpool(person_card, db, actor, person_id, matcher, ranker, get_rules(request), max_km)
    if format == "html":
        return render_card(request, data, lang, person_lang)
    return data


@router.get("/persons/{person_id}/vacancies")
async def vacancies_for_person(person_id: PathId, request: Request, db: DB, actor: Operator, matcher: Matcher,
                               max_km: float | None = Query(None, gt=0, le=2000), top_k: int = Query(20, ge=1, le=200)) -> list[dict]:
    """Open vacancies ranked for the person: fit x shortage boost x distance decay, each factor shown,
    with the pathway for the vacancy's occupation and the skills to observe if an internship is advised."""
    ranker = request.app.state.ranker.get(db, matcher.taxonomy_)
    return await run_in_threadpool(rank_vacancies_for, db, actor, person_id, matcher, ranker, get_rules(request),
                                   max_km, top_k)


@router.get("/persons/{person_id}/vacancy-suggestions")
def vacancy_suggestions(person_id: PathId, db: DB, actor: Operator) -> dict:
    """The vacancies the latest nightly ranking (`skillmatch batch rank-vacancies`) suggests for the
    person, best first, each with its score and factors; closed vacancies are left out."""
    return suggestions_for(db, actor, person_id)


@router.get("/vacancies/{vacancy_id}/candidates")
def candidates(vacancy_id: PathId, request: Request, db: DB, actor: Operator, matcher: Matcher,
               top_k: int = Query(20, ge=1, le=200)) -> dict:
    """Reverse ranking, for operators only: the people of their organisation who fit the vacancy."""
    return candidates_for(db, actor, vacancy_id, matcher, get_rules(request), latest_signals(db), top_k)
