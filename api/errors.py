"""One error body for every failure: {"detail": message, "errors": [{"field", "message"}]}."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.matching import MatchInputError
from matcher.services.errors import ServiceError

log = logging.getLogger("skillmatch.api")


def error_body(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "errors": errors or []}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        too_large = False
        for e in exc.errors():
            field = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            errors.append({"field": field, "message": e.get("msg", "invalid")})
            too_large |= e.get("type") in ("string_too_long",) and field.endswith("text")
        if too_large:
            return error_body(413, "text too long", errors)
        return error_body(422, "invalid request: " + "; ".join(f"{x['field']}: {x['message']}" for x in errors), errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_body(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSONResponse:
        return error_body(exc.status, str(exc))

    @app.exception_handler(MatchInputError)
    async def _match_input(request: Request, exc: MatchInputError) -> JSONResponse:
        status = 413 if "limit" in str(exc) else 422
        return error_body(status, str(exc), [{"field": "text", "message": str(exc)}])

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # never a stack trace to the client; the log names the class only (no request data)
        log.error("unexpected %s on %s %s", exc.__class__.__name__, request.method, request.url.path)
        return error_body(500, "internal error")
