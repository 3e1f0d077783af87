"""Employers' vacancies; shortage signals (analysts)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from api.deps import DB, Analyst, Employer, PathId, require
from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action
from matcher.reports.service import FORMATS
from matcher.vacancies.schemas import ShortageImportPublic, VacancyCreate, VacancyPublic, VacancyUpdate
from matcher.vacancies.service import VacancyInput, close_vacancy, create_vacancy, get_vacancy, list_vacancies, update_vacancy
from matcher.vacancies.shortage import (
    ShortageFileError,
    ShortageOptions,
    already_imported,
    file_checksum,
    import_shortage,
    latest_signals,
    parse_columns,
    read_shortage_table,
)

router = APIRouter(tags=["vacancies"])
Reader = Annotated[Actor, Depends(require(Action.READ_VACANCIES))]


def _matcher_or_none(request: Request):  # noqa: ANN202 - suggestions need the matcher, the rest does not
    return request.app.state.matcher.get()


@router.post("/vacancies", response_model=VacancyPublic, status_code=201)
def post_vacancy(body: VacancyCreate, request: Request, db: DB, actor: Employer):  # noqa: ANN201
    return create_vacancy(db, actor, VacancyInput(**body.model_dump()), _matcher_or_none(request))


@router.get("/vacancies", response_model=list[VacancyPublic])
def get_vacancies(db: DB, actor: Reader, status: str | None = Query("open", pattern="^(open|closed)$"),
                  limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000)) -> list:
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


XLSX = FORMATS["xlsx"]


@router.post("/shortage/imports", response_model=ShortageImportPublic, status_code=201,
             responses={200: {"description": "the same file was already imported: nothing written"}},
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}},
                                                        XLSX: {"schema": {"type": "string", "format": "binary"}}},
                                            "required": True}})
async def shortage_import(request: Request, response: Response, db: DB, actor: Analyst,
                          format: str = Query("skillmatch", pattern="^(skillmatch|eures)$"),  # noqa: A002 - the documented parameter
                          sheet: str | None = Query(None, max_length=100), header_row: int = Query(1, ge=1, le=1000),
                          column: list[str] = Query([], max_length=20, description="FIELD=COLUMN, repeatable"),
                          territory: str | None = Query(None, max_length=10), source: str | None = Query(None, max_length=120),
                          period: str | None = Query(None, max_length=10), percent: bool = False) -> ShortageImportPublic:
    """Import shortage indicators (a CSV or Excel body, the same options as the CLI); every bad row
    is named (422) and nothing is written; the same file read the same way again writes nothing (200)."""
    raw = await request.body()
    try:
        columns = parse_columns(column)
    except ShortageFileError as exc:
        raise HTTPException(422, str(exc)) from None
    options = ShortageOptions(format=format, sheet=sheet, header_row=header_row, columns=columns, territory=territory,
                              source=source, period=period, percent=percent)
    name = "request body.xlsx" if request.headers.get("content-type", "").startswith(XLSX) else "request body"
    try:
        rows = read_shortage_table(raw, name, options)
    except ShortageFileError as exc:
        raise HTTPException(422, str(exc)) from None
    checksum = file_checksum(raw, options)
    earlier = already_imported(db, checksum)
    if earlier is not None:
        response.status_code = 200
        return ShortageImportPublic(import_id=earlier[0], rows=len(rows), already_imported=True)
    import_id = import_shortage(db, rows, checksum)
    record(db, actor, "create", "shortage_import", detail={"import_id": import_id, "rows": len(rows)})
    db.commit()
    return ShortageImportPublic(import_id=import_id, rows=len(rows))


@router.get("/shortage")
def shortage(db: DB, actor: Annotated[Actor, Depends(require(Action.READ_SHORTAGE))]) -> list[dict]:
    """The latest indicator per occupation (or ISCO code) and territory."""
    return [{"occupation": k[0], "territory": k[1], "indicator": v} for k, v in sorted(latest_signals(db).items())]
