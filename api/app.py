"""The FastAPI application: ``create_app(settings)``; ``skillmatch serve`` runs it under uvicorn."""
from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api import admin_pages, analyst_pages, employer_pages, errors, pages
from api.browser_security import BrowserSecurity
from api.routes import admin, auth, guidance, health, matches, network, persons, registry, stats, vacancies
from api.state import MatcherState
from matcher.accounts.login_guard import LoginGuard
from matcher.accounts.tokens import resolve_secret
from matcher.db.database import open_database
from matcher.settings import Settings, get_settings
from matcher.vacancies.ranking import RankerCache

API = "/api/v1"


class BodyLimit:
    """413 for a body over the limit, whether it announces its length or streams it; 422 for NUL
    characters anywhere in the query or body (no field takes them, and PostgreSQL text refuses them)."""

    UPLOADS = ("/api/v1/taxonomy/imports", "/admin/taxonomy/imports")

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int):
        self.app, self.base_limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("path") in self.UPLOADS
        limit = self.upload_limit if upload else self.base_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send)
            return
        query = scope.get("query_string") or b""
        if b"%00" in query or b"\x00" in query or "\x00" in scope.get("path", ""):
            await self._reject(send, 422, b"NUL characters are not accepted")
            return
        seen = 0
        tail = b""  # the end of the previous chunk: a NUL escape may be split across two chunks
        too_big = nul = False
        form = dict(scope.get("headers") or []).get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded")

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen, too_big, nul, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > limit:
                    too_big = True
                    return {"type": "http.disconnect"}
                window = tail + chunk
                if not upload and (b"\x00" in chunk or b"\\u0000" in window.lower() or (form and b"%00" in window)):
                    nul = True
                    return {"type": "http.disconnect"}
                tail = window[-5:]
            return message

        sent = False

        async def tracking_send(message: MutableMapping[str, Any]) -> None:
            nonlocal sent
            if (too_big or nul) and not sent:
                return
            sent = True
            await send(message)

        await self.app(scope, limited, tracking_send)
        if too_big and not sent:
            await self._reject(send)
        elif nul and not sent:
            await self._reject(send, 422, b"NUL characters are not accepted")

    async def _reject(self, send: Send, status: int = 413, detail: bytes = b"request body too large") -> None:
        body = b'{"detail":"' + detail + b'","errors":[]}'
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class DropQueryStrings(logging.Filter):
    """Access logs keep the path but not the query string: a search (``?q=``) may hold a file number."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = str(args[2]).split("?", 1)[0]
            record.args = tuple(args)
        return True


def create_app(settings: Settings | None = None, load_matcher: bool = True) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryStrings) for f in access.filters):
        access.addFilter(DropQueryStrings())
    secret = resolve_secret(settings)  # refuses to start in production without a secret
    sessions = open_database(settings)  # applies the migrations
    app = FastAPI(title="skillmatch", version="0.1.0", docs_url=None, openapi_url=f"{API}/openapi.json",
                  description="Informal competences to ESCO skills, occupations and vacancies. "
                              "This service uses the ESCO classification of the European Commission "
                              "(ESCO © European Union, CC BY 4.0).")
    app.state.settings = settings
    app.state.secret = secret
    app.state.sessions = sessions
    app.state.matcher = MatcherState(settings)
    app.state.ranker = RankerCache()
    app.state.login_guard = LoginGuard(settings)
    errors.install(app)
    for r in (health.router, auth.router, admin.router, persons.router, matches.router, stats.router, registry.router, vacancies.router,
              guidance.router, network.router):
        app.include_router(r, prefix=API)
    pages.install(app)
    for r in (admin_pages.router, analyst_pages.router, employer_pages.router):  # the pages of each role beside the common ones
        app.include_router(r)
    install_docs(app)
    app.add_middleware(BrowserSecurity, docs_path=f"{API}/docs")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes)
    if load_matcher:
        app.state.matcher.load_async()
    return app


def install_docs(app: FastAPI) -> None:
    """The OpenAPI docs page with Swagger UI served from the installed ``swagger-ui-bundle``
    package: no CDN, so it works offline and behind an office firewall."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(f"{API}/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get(f"{API}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{API}/openapi.json", title="skillmatch API",
                                   swagger_js_url=f"{API}/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url=f"{API}/docs-assets/swagger-ui.css",
                                   swagger_favicon_url=f"{API}/docs-assets/favicon-32x32.png")


def app_factory() -> FastAPI:
    """For ``uvicorn --factory api.app:app_factory`` (each worker builds its own app)."""
    return create_app()
