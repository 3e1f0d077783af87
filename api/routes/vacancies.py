"""Employers' vacancies; shortage signals (analysts)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from matcher.services.actors import Actor
from matcher.services.audit import record
from matcher.shortage import ShortageFileError, import_shortage, latest_signals, parse_shortage_csv
from matcher.vacancies import VacancyInput, close_vacancy, create_vacancy, get_vacancy, list_vacancies, update_vacancy

from ..deps import PathId, DB, Analyst, Employer, require
from ..schemas import ShortageImportPublic, VacancyCreate, VacancyPublic, VacancyUpdate

router = APIRouter(tags=["vacancies"])
Reader = Annotated[Actor, Depends(require("employer", "operator"))]


def _matcher_or_none(request: Request):  # noqa: ANN202 - suggestions need the matcher, the rest does not
    return request.app.state.matcher.get()


@router.post("/vacancies", response_model=VacancyPublic, status_code=201)
def post_vacancy(body: VacancyCreate, request: Request, db: DB, actor: Employer):  # noqa: ANN201
    return create_vacancy(db, actor, VacancyInput(**body.model_dump()), _matcher_or_none(request))


@router.get("/vacancies", response_model=list[VacancyPublic])
def get_vacancies(db: DB, actor: Reader, status: str | None = Query("open", pattern="^(open|closed)$"),
                  limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000)):  # noqa: ANN201
    """Employers: their own vacancies; operators: every open one."""
    return list_vacancies(db, actor, status, limit, offset)


@router.get("/vacancies/{vacancy_id}", response_model=VacancyPublic)
def get_one(vacancy_id: PathId, db: DB, actor: Reader):  # noqa: ANN201
    return get_vacancy(db, actor, vacancy_id)


@router.patch("/vacancies/{vacancy_id}", response_model=VacancyPublic)
def patch_vacancy(vacancy_id: PathId, body: VacancyUpdate, request: Request, db: DB, actor: Employer):  # noqa: ANN201
    return update_vacancy(db, actor, vacancy_id, body.model_dump(exclude_unset=True), _matcher_or_none(request))


@router.post("/vacancies/{vacancy_id}/close", response_model=VacancyPublic)
def close(vacancy_id: PathId, db: DB, actor: Employer):  # noqa: ANN201
    return close_vacancy(db, actor, vacancy_id)


@router.post("/shortage/imports", response_model=ShortageImportPublic, status_code=201,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}})
async def shortage_import(request: Request, db: DB, actor: Analyst,
                          format: str = Query("skillmatch", pattern="^(skillmatch|eures)$")) -> ShortageImportPublic:
    """Import shortage indicators (CSV body); a bad line is named and nothing is written."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(422, "the CSV must be UTF-8 text") from None
    try:
        rows = parse_shortage_csv(text, "request body", format)
    except ShortageFileError as exc:
        raise HTTPException(422, str(exc)) from None
    import_id = import_shortage(db, rows)
    record(db, actor, "create", "shortage_import", detail={"import_id": import_id, "rows": len(rows)})
    db.commit()
    return ShortageImportPublic(import_id=import_id, rows=len(rows))


@router.get("/shortage")
def shortage(db: DB, actor: Annotated[Actor, Depends(require("analyst", "operator", "employer"))]) -> list[dict]:
    """The latest indicator per occupation (or ISCO code) and territory."""
    return [{"occupation": k[0], "territory": k[1], "indicator": v} for k, v in sorted(latest_signals(db).items())]
