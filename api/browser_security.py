"""What browsers need from us: no cross-site form posts, and headers that limit what a page may do.

- **Same origin for every state-changing page request** (POST and the like outside ``/api/``,
  the login form included): the ``Origin`` header, or failing that the ``Referer``, must name this
  host. SameSite=Strict cookies alone leave login CSRF open and depend on the browser. The API is
  not concerned: its credentials (bearer token, API key) are never sent by a browser on its own.
- **Headers on every response**: a Content-Security-Policy that allows scripts, styles and images
  from this origin only (the pages have no inline script), no framing, no MIME sniffing, and no
  Referer to other sites. The offline API docs page needs Swagger's inline start-up script.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE = {"GET", "HEAD", "OPTIONS"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]


def _origin_ok(headers: dict[bytes, bytes]) -> bool:
    host = headers.get(b"host", b"").decode("latin-1").lower()
    source = headers.get(b"origin") or headers.get(b"referer")
    if not host or not source:
        return False
    return urlsplit(source.decode("latin-1")).netloc.lower() == host


class BrowserSecurity:
    def __init__(self, app: ASGIApp, docs_path: str = "/api/v1/docs"):
        self.app, self.docs_path = app, docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = dict(scope.get("headers") or [])
        if scope.get("method") not in SAFE and not path.startswith("/api/") and not _origin_ok(headers):
            body = ("<!doctype html><title>403</title><p>Il modulo non proviene da questo sito: ricarica la pagina e "
                    "riprova. · The form did not come from this site: reload the page and try again.</p>").encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                                    *HEADERS, (b"content-security-policy", CSP.encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        csp = (DOCS_CSP if path.startswith(self.docs_path) else CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in [*HEADERS, (b"content-security-policy", csp)] if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
