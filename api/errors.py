"""One error body for every failure: {"detail": message, "errors": [{"field", "message"}]}."""
from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from matcher.errors import ServiceError
from matcher.matching.scoring import MatchInputError

log = logging.getLogger("skillmatch.api")


def error_body(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "errors": errors or []}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith("/api/") and any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            # a page address with an id that cannot exist: the page's 404, not a JSON body
            return HTMLResponse("<!doctype html><title>404</title><p>Pagina non trovata · Page not found</p>", 404)
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

    app.add_middleware(CatchAll)


class CatchAll:
    """The last line: an unexpected error becomes a 500 (or a 503 when the database is busy) with
    no stack trace to the client, and a log line with the class only. The traceback is logged at
    DEBUG (SKILLMATCH_LOG_LEVEL=DEBUG), never at INFO: Starlette's own handler would re-raise it
    to the server, which logs it, with the message of a database error, at ERROR."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started |= message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:  # the one place that turns any failure into an answer
            log.error("unexpected %s on %s %s", exc.__class__.__name__, scope.get("method"), scope.get("path"))
            log.debug("traceback of the unexpected error", exc_info=True)
            if started:
                return
            busy = isinstance(exc, OperationalError) and "locked" in str(exc.orig if exc.orig is not None else "")
            response = (error_body(503, "the database is busy: try again", headers={"Retry-After": "1"}) if busy
                        else error_body(500, "internal error"))
            await response(scope, receive, send)
