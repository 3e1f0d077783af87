"""The administration page: organisations and users (create, deactivate, activate), ESCO imports
with progress. The same service functions as the API; errors come back on the form, in the page's
language, with what was typed kept."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from api.i18n import translator
from api.pages import _actor, _lang, _render
from matcher.accounts import users
from matcher.accounts.models import Organisation, User
from matcher.accounts.permissions import Action, may
from matcher.errors import Conflict, ServiceError
from matcher.jobs import read_job
from matcher.taxonomy.esco_import import list_versions
from matcher.taxonomy.uploads import import_uploads

router = APIRouter(include_in_schema=False)
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,80}$")
DONE = {"org_created", "user_created", "org_deactivated", "org_activated", "user_deactivated", "user_activated"}


def _admin_page(request: Request, actor, status: int = 200, errors: dict | None = None, typed: dict | None = None) -> Response:  # noqa: ANN001
    with request.app.state.sessions() as db:
        versions = list_versions(db)
        orgs = list(db.scalars(select(Organisation).order_by(Organisation.name)))
        members = dict(db.execute(select(User.organisation_id, func.count()).group_by(User.organisation_id)).all())
        people = list(db.scalars(select(User).order_by(User.username)))
        names = {o.id: o.name for o in orgs}
    done = request.query_params.get("done")
    notice = None
    if done in DONE:
        t = translator(_lang(request))
        notice = t(done).format(name=request.query_params.get("name", "")[:200], n=request.query_params.get("n", "0")[:6],
                                role=t("role_" + request.query_params.get("role", "")))
    return _render(request, "admin.html", {"versions": versions, "orgs": orgs, "members": members, "users": people,
                                           "org_names": names, "org_kinds": users.ORG_KINDS, "roles": ("operator", "employer",
                                                                                                       "analyst", "admin"),
                                           "errors": errors or {}, "typed": typed or {}, "notice": notice}, status, actor)


def _error_key(exc: ServiceError) -> str:
    """The service says what went wrong in English for the API, and a word-table key for forms."""
    if isinstance(exc, Conflict):
        return "err_name_taken"
    problems = getattr(exc, "problems", None)
    return problems[0][1] if problems else "err_generic"


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request) -> Response:
    return _admin_page(request, _actor(request, Action.ADMINISTER))


@router.post("/admin/organisations", response_class=HTMLResponse)
def admin_new_organisation(request: Request, name: str = Form("", max_length=200), kind: str = Form("", max_length=32),
                           municipality: str = Form("", max_length=120)) -> Response:
    actor = _actor(request, Action.ADMINISTER)
    typed = {"org_name": name, "org_kind": kind, "org_municipality": municipality}
    if len(name.strip()) < 2 or kind not in users.ORG_KINDS:
        return _admin_page(request, actor, 422, {"org": "err_org_name" if len(name.strip()) < 2 else "err_org_kind_unknown"}, typed)
    with request.app.state.sessions() as db:
        try:
            org = users.create_organisation(db, actor, name, kind, municipality.strip() or None)
        except ServiceError as exc:
            return _admin_page(request, actor, exc.status, {"org": _error_key(exc), "detail": str(exc)}, typed)
        return RedirectResponse(f"/admin?{_query(done='org_created', name=org.name)}#h-orgs", status_code=303)


@router.post("/admin/organisations/{organisation_id}/{action}", response_class=HTMLResponse)
def admin_organisation_state(request: Request, organisation_id: int, action: str) -> Response:
    def change(db, actor, active: bool) -> dict:  # noqa: ANN001
        org, ended = users.set_organisation_active(db, actor, organisation_id, active)
        return {"done": "org_activated" if active else "org_deactivated", "name": org.name, "n": len(ended)}

    return _switch(request, action, "orgs", change)


@router.post("/admin/users", response_class=HTMLResponse)
def admin_new_user(request: Request, username: str = Form("", max_length=80), password: str = Form("", max_length=200),
                   role: str = Form("", max_length=20), organisation_id: str = Form("", max_length=12)) -> Response:
    actor = _actor(request, Action.ADMINISTER)
    typed = {"username": username, "role": role, "organisation_id": organisation_id}  # never the password
    if not USERNAME.match(username.strip()):
        return _admin_page(request, actor, 422, {"user": "err_username"}, typed)
    org_id = int(organisation_id) if organisation_id.isdigit() else None
    with request.app.state.sessions() as db:
        try:
            user = users.create_user(db, actor, username, password, role, org_id)
        except ServiceError as exc:
            return _admin_page(request, actor, exc.status, {"user": _error_key(exc), "detail": str(exc)}, typed)
        return RedirectResponse(f"/admin?{_query(done='user_created', name=user.username, role=user.role)}#h-users",
                                status_code=303)


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
def admin_user_state(request: Request, user_id: int, action: str) -> Response:
    def change(db, actor, active: bool) -> dict:  # noqa: ANN001
        user = users.set_active(db, actor, user_id, active)
        return {"done": "user_activated" if active else "user_deactivated", "name": user.username}

    return _switch(request, action, "users", change)


def _switch(request: Request, action: str, section: str, change) -> Response:  # noqa: ANN001
    """Deactivate or activate (an organisation, a user): the notice after the redirect, or the
    error above the section's table."""
    actor = _actor(request, Action.ADMINISTER)
    if action not in ("deactivate", "activate"):
        return _admin_page(request, actor, 404)
    with request.app.state.sessions() as db:
        try:
            notice = change(db, actor, action == "activate")
        except ServiceError as exc:
            return _admin_page(request, actor, exc.status, {section: _error_key(exc), "detail": str(exc)})
    return RedirectResponse(f"/admin?{_query(**notice)}#h-{section}", status_code=303)


def _query(**values: object) -> str:
    return urlencode({k: str(v) for k, v in values.items()})


# ---- taxonomy import with progress ----------------------------------------------------------------
@router.post("/admin/taxonomy/imports")
def admin_import(request: Request, files: list[UploadFile] = File(...), version: str = Form("unspecified", max_length=64)) -> Response:
    actor = _actor(request, Action.ADMINISTER)
    state = request.app.state
    with state.sessions() as db:
        try:
            job_id = import_uploads(db, actor, settings=state.settings, sessions=state.sessions,
                                    files=[(f.filename, f.file) for f in files], release=version, on_ready=state.matcher.swap)
        except ServiceError as exc:  # not a bundle, or a ZIP that would unpack past the limit: said above the form
            return _admin_page(request, actor, exc.status, {"import": _error_key(exc), "detail": str(exc)})
    return RedirectResponse(f"/admin/jobs/{job_id}", status_code=303)


@router.get("/admin/jobs/{job_id}", response_class=HTMLResponse)
def admin_job(request: Request, job_id: str) -> Response:
    actor = _actor(request, Action.FOLLOW_JOBS)
    back = "/analyst#h-registry" if may(actor, Action.ANALYSE) else "/admin"
    return _render(request, "job.html", {"job_id": job_id[:32], "back": back}, actor=actor)


@router.get("/admin/jobs/{job_id}/state")
def admin_job_state(request: Request, job_id: str) -> Response:
    _actor(request, Action.FOLLOW_JOBS)

    state = read_job(request.app.state.settings.data_dir, job_id[:32])
    return JSONResponse(state or {"status": "unknown"}, status_code=200 if state else 404)
