"""The employer's page: their vacancies, posting one (with the occupation and skills suggested from
its text), closing one, changing its positions."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import PathId
from api.pages import _actor, _lang, _render
from matcher.accounts.permissions import Action
from matcher.errors import ServiceError
from matcher.vacancies.service import VacancyInput, close_vacancy, create_vacancy, list_vacancies, suggest, update_vacancy

router = APIRouter(include_in_schema=False)


@router.get("/employer", response_class=HTMLResponse)
def employer_home(request: Request) -> Response:
    actor = _actor(request, Action.MANAGE_VACANCIES)
    with request.app.state.sessions() as db:
        vacancies = list_vacancies(db, actor, None)
    return _render(request, "employer.html", {"vacancies": vacancies, "form": {}, "suggested": None}, actor=actor)


@router.post("/employer/vacancies", response_class=HTMLResponse)
def employer_post(request: Request, title: str = Form(min_length=2, max_length=200), description: str = Form("", max_length=5000),
                  municipality: str = Form(min_length=2, max_length=120), contract_type: str = Form(max_length=32),
                  positions: int = Form(1, ge=1, le=10_000), start_date: str = Form("", max_length=10),
                  is_shortage: str = Form(""), occupation_uri: str = Form("", max_length=255),
                  required_skills: list[str] = Form(default=[]), action: str = Form("publish")) -> Response:
    actor = _actor(request, Action.MANAGE_VACANCIES)
    matcher = request.app.state.matcher.get()
    form = {"title": title, "description": description, "municipality": municipality, "contract_type": contract_type,
            "positions": positions, "start_date": start_date, "is_shortage": bool(is_shortage)}
    with request.app.state.sessions() as db:
        vacancies = list_vacancies(db, actor, None)
        if action == "suggest" and matcher is not None:
            occ, skills = suggest(matcher, title, description)
            tax = matcher.taxonomy_
            suggested = {"occupation": {"uri": occ, "label": tax.occupations[occ].label(_lang(request))} if occ else None,
                         "skills": [{"uri": s, "label": tax.skills[s].label(_lang(request))} for s in skills]}
            return _render(request, "employer.html", {"vacancies": vacancies, "form": form, "suggested": suggested}, actor=actor)
        try:
            start = date.fromisoformat(start_date) if start_date else None
        except ValueError:
            start = None
        try:
            create_vacancy(db, actor, VacancyInput(title, municipality, contract_type, description, occupation_uri or None,
                                                   list(required_skills) if occupation_uri else None, positions, start,
                                                   bool(is_shortage)), matcher)
        except ServiceError as exc:
            return _render(request, "employer.html", {"vacancies": vacancies, "form": form, "suggested": None, "error": str(exc)},
                           exc.status, actor)
    return RedirectResponse("/employer", status_code=303)


@router.post("/employer/vacancies/{vacancy_id}/close")
def employer_close(request: Request, vacancy_id: PathId) -> Response:
    actor = _actor(request, Action.MANAGE_VACANCIES)
    with request.app.state.sessions() as db:
        close_vacancy(db, actor, vacancy_id)
    return RedirectResponse("/employer", status_code=303)


@router.post("/employer/vacancies/{vacancy_id}/positions")
def employer_positions(request: Request, vacancy_id: PathId, positions: int = Form(ge=1, le=10_000)) -> Response:
    actor = _actor(request, Action.MANAGE_VACANCIES)
    with request.app.state.sessions() as db:
        update_vacancy(db, actor, vacancy_id, {"positions": positions})
    return RedirectResponse("/employer", status_code=303)
