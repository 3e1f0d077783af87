"""The web pages for operators, employers and analysts: server-rendered, no build step.

Same users and roles as the API; the session is the same signed token, in an HttpOnly,
SameSite=Strict cookie (so another site cannot post forms with it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from api.card_words import CARD_WORDS, RTL, person_language
from api.card_words import NAMES as CARD_LANGUAGE_NAMES
from api.deps import PathId, get_rules
from api.i18n import translator
from api.routes.auth import client_address
from matcher.accounts.actors import Actor
from matcher.accounts.models import User
from matcher.accounts.permissions import Action, may
from matcher.accounts.sign_in import signed_in_actor
from matcher.accounts.tokens import create_token, token_claims
from matcher.accounts.users import actor_for, revoke_token
from matcher.errors import Invalid, ServiceError
from matcher.matching.langid import language_code
from matcher.people import service as svc
from matcher.people.card import card as person_card
from matcher.people.schemas import DecisionCreate

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def _skill_label(skill: dict, lang: str) -> str:
    """A skill's label, marked with its language when it is not the page's (ESCO has no Italian
    skill labels in the shared bundle: the operator sees the English one, marked "(EN)")."""
    other = skill.get("label_language")
    return f"{skill['label']} ({other.upper()})" if other and other != lang else skill["label"]


templates.env.filters["skill_label"] = _skill_label
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_null_translations()  # type: ignore[attr-defined]  # added by the extension; each render passes its own catalog
COOKIE = "skillmatch_session"
HOME = {"operator": "/operator", "employer": "/employer", "analyst": "/analyst", "admin": "/admin"}


class Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "it"
    return lang if lang in ("it", "en") else "it"


def _render(request: Request, name: str, ctx: dict[str, Any], status: int = 200, actor: Actor | None = None) -> Response:
    lang = _lang(request)
    gettext = translator(lang)
    # the request's catalog: {{ _("key") }} and {% trans %} blocks (Jinja2's i18n extension) read it
    resp = templates.TemplateResponse(request, name, {"_": gettext, "gettext": gettext, "lang": lang, "actor": actor,
                                                      "path": request.url.path, **ctx}, status_code=status)
    if request.query_params.get("lang") in ("it", "en"):
        resp.set_cookie("lang", lang, samesite="strict", max_age=365 * 86400)
    return resp


def _actor(request: Request, action: Action | None = None) -> Actor:
    """The signed-in actor of a page (the API's sign-in, read from the session cookie); to the login
    page when there is none, a 403 page when the permission table refuses ``action`` to its role."""
    token = request.cookies.get(COOKIE)
    with request.app.state.sessions() as db:
        actor = signed_in_actor(db, request.app.state.secret, f"{request.method} {request.url.path}", token=token) if token else None
    if actor is None:
        raise Redirect(_login_url(request, expired=bool(token)))
    if action is not None and not may(actor, action):
        raise PermissionError(actor.role)
    return actor


def _login_url(request: Request, expired: bool) -> str:
    """Back to where the operator was after logging in: the page itself, or for a form sent with
    an ended session the page that holds the form (its draft is kept in the browser tab)."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        same_site = referer.netloc in ("", request.url.netloc)
        back = referer.path if same_site and referer.path else "/"
    query = {"next": back} if _safe_next(back) and back not in ("/", "/login") else {}
    if expired:
        query["expired"] = "1"
    return "/login" + (f"?{urlencode(query)}" if query else "")


def _safe_next(url: str | None) -> bool:
    """Only a path of this site: never another host ("//evil", "https://…") or a scheme."""
    return url is not None and url.startswith("/") and not url.startswith("//") and "\\" not in url and ":" not in url.split("?")[0]


def install(app) -> None:  # noqa: ANN001
    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")), name="static")

    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(PermissionError)
    async def _forbidden(request: Request, exc: PermissionError) -> Response:
        return _render(request, "message.html", {"message": translator(_lang(request))("forbidden")}, 403)

    app.include_router(router)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    actor = _actor(request)
    return RedirectResponse(HOME[actor.role], status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = Query("", max_length=500), expired: str = Query("", max_length=1)) -> Response:  # noqa: A002
    return _render(request, "login.html", {"next": next if _safe_next(next) else "", "expired": expired == "1"})


@router.post("/login")
def login(request: Request, username: str = Form(max_length=80), password: str = Form(max_length=200),
          next: str = Form("", max_length=500)) -> Response:  # noqa: A002
    with request.app.state.sessions() as db:
        outcome = request.app.state.login_guard.login(db, username, password, client_address(request), "POST /login")
    if outcome.retry_after is not None:
        resp = _render(request, "login.html", {"error": translator(_lang(request))("too_many_logins").format(
            minutes=max(1, round(outcome.retry_after / 60))), "next": next if _safe_next(next) else ""}, 429)
        resp.headers["Retry-After"] = str(outcome.retry_after)
        return resp
    user = outcome.user
    if user is None:
        return _render(request, "login.html", {"error": translator(_lang(request))("wrong_login"),
                                               "next": next if _safe_next(next) else ""}, 401)
    token, seconds = create_token(request.app.state.secret, user.id, user.role, request.app.state.settings.token_minutes)
    # back to the page the session ended on, when it is one of this role's pages
    back = next if _safe_next(next) and next.startswith(HOME[user.role]) else HOME[user.role]
    resp = RedirectResponse(back, status_code=303)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=seconds,
                    secure=request.app.state.settings.environment == "production")
    return resp


@router.post("/logout")
def logout(request: Request) -> Response:
    """Ends the session's token on the server too, not only in this browser."""
    token = request.cookies.get(COOKIE)
    claims = token_claims(request.app.state.secret, token) if token else None
    if claims is not None:
        with request.app.state.sessions() as db:
            user = db.get(User, int(claims["sub"]))
            if user is not None:
                revoke_token(db, actor_for(user, "POST /logout"), claims["jti"], claims["exp"])
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


# ---- operator ------------------------------------------------------------------------------------
@router.get("/operator", response_class=HTMLResponse)
def operator_home(request: Request, q: str | None = None) -> Response:
    actor = _actor(request, Action.CASEWORK)
    with request.app.state.sessions() as db:
        people = svc.list_persons(db, actor, (q or "")[:80] or None)
    return _render(request, "operator_people.html", {"people": people, "q": q or ""}, actor=actor)


@router.post("/operator/persons")
def operator_new_person(request: Request, external_ref: str = Form("", max_length=80)) -> Response:
    actor = _actor(request, Action.CASEWORK)
    with request.app.state.sessions() as db:
        p = svc.create_person(db, actor, external_ref.strip() or None)
    return RedirectResponse(f"/operator/persons/{p.id}", status_code=303)


def highlight(text: str, skills: list[dict]) -> list[dict]:
    """The narrative cut into segments, those that are evidence marked with their skills."""
    marks: dict[int, set[str]] = {}
    for s in skills:
        for e in s.get("evidence", []):
            for i in range(max(0, e["start"]), min(len(text), e["end"])):
                marks.setdefault(i, set()).add(s["label"])
    segments: list[dict] = []
    for i, ch in enumerate(text):
        labels = tuple(sorted(marks.get(i, ())))
        if segments and segments[-1]["labels"] == labels:
            segments[-1]["text"] += ch
        else:
            segments.append({"text": ch, "labels": labels})
    return segments


@router.get("/operator/persons/{person_id}", response_class=HTMLResponse)
async def operator_person(request: Request, person_id: PathId, max_km: float = Query(100.0, ge=0, le=1000)) -> Response:
    actor = _actor(request, Action.CASEWORK)
    return await _person_page(request, actor, person_id, max_km)


def _review_text(request: Request, match: dict, lang: str | None = None) -> str:
    """Why a suggestion needs an expert, in the operator's words (codes and figures stay in the API)."""
    lang = lang or _lang(request)
    t = translator(lang)
    matcher = request.app.state.matcher.get()
    occupations = matcher.taxonomy_.occupations if matcher is not None else {}
    parts = []
    for d in match.get("review_details") or []:
        if d.get("code") == "low_score":
            parts.append(t("review_low_score"))
        elif d.get("code") == "close_groups":
            names = [occupations[u].label(lang) if u in occupations else u for u in d.get("occupations", [])]
            parts.append(t("review_close_groups").format(occupations=", ".join(names)))
        else:
            parts.append(t("review_nothing"))
    return " ".join(parts) or "; ".join(match.get("review_reasons") or [])  # matches stored before the codes


def _target_names(request: Request, decisions: list) -> dict[str, str]:
    """The name of what each decision is about (an occupation in the operator's language, a vacancy's title)."""
    matcher = request.app.state.matcher.get()
    lang = _lang(request)
    names = {}
    for d in decisions:
        if d.target_kind == "occupation" and matcher is not None and d.target_uri in matcher.taxonomy_.occupations:
            names[d.target_uri] = matcher.taxonomy_.occupations[d.target_uri].label(lang)
        elif d.target_kind == "vacancy":
            names[d.target_uri] = translator(lang)("vacancy") + " " + d.target_uri.rsplit("/", 1)[-1]
    return names


async def _person_page(request: Request, actor: Actor, person_id: int, max_km: float = 100.0,
                       form: dict | None = None, errors: dict[str, str] | None = None) -> Response:
    """The person's page; ``form`` and ``errors``: a profile that was not saved, shown again as typed
    with a message next to each field that was refused."""
    matcher = request.app.state.matcher.get()
    with request.app.state.sessions() as db:
        try:
            person = svc.read_person(db, actor, person_id)
            profiles = svc.list_profiles(db, actor, person_id)
            decisions = svc.list_decisions(db, actor, person_id)
        except ServiceError:
            return _render(request, "message.html", {"message": translator(_lang(request))("not_found")}, 404, actor)
        card = None
        if profiles and matcher is not None:
            ranker = request.app.state.ranker.get(db, matcher.taxonomy_)
            card = await run_in_threadpool(person_card, db, actor, person_id, matcher, ranker, get_rules(request),
                                           min(max(max_km, 1.0), 2000.0))
    profile = profiles[-1] if profiles else None
    if form is None:
        form = {"narrative": profile.narrative if profile else "",
                "narrative_language": (profile.narrative_language or "") if profile else "",
                "languages": ", ".join(profile.languages) if profile else "",
                "years_experience": "" if profile is None or profile.years_experience is None else f"{profile.years_experience:g}",
                "country": (profile.country or "") if profile else "", "municipality": (profile.municipality or "") if profile else "",
                "documents": [d["kind"] for d in profile.documents] if profile else []}
    ctx = {"person": person, "profile": profile, "card": card, "decisions": decisions,
           "target_names": _target_names(request, decisions), "saved": request.query_params.get("saved") == "decision",
           "review_text": _review_text(request, card["match"]) if card else "",
           "segments": highlight(card["profile"]["narrative"], card["skills"]) if card else [], "matcher_ready": matcher is not None,
           "statuses": svc.DECISION_STATUSES, "document_kinds": svc.DOCUMENT_KINDS, "form": form, "errors": errors or {},
           "max_chars": request.app.state.settings.max_text_chars,
           "card_languages": [(code, name) for code, name in CARD_LANGUAGE_NAMES.items() if code != _lang(request)]}
    return _render(request, "operator_person.html", ctx, 422 if errors else 200, actor=actor)


@router.post("/operator/persons/{person_id}/profile")
async def operator_profile(request: Request, person_id: PathId, narrative: str = Form("", max_length=100_000),
                           narrative_language: str = Form("", max_length=60), languages: str = Form("", max_length=200),
                           years_experience: str = Form("", max_length=20), country: str = Form("", max_length=80),
                           municipality: str = Form("", max_length=120), documents: list[str] = Form(default=[])) -> Response:
    actor = _actor(request, Action.CASEWORK)
    t = translator(_lang(request))
    max_chars = request.app.state.settings.max_text_chars
    form = {"narrative": narrative, "narrative_language": narrative_language, "languages": languages,
            "years_experience": years_experience, "country": country, "municipality": municipality,
            "documents": [k for k in documents if k in svc.DOCUMENT_KINDS]}
    errors: dict[str, str] = {}
    years = None
    if years_experience.strip():
        try:
            years = float(years_experience.strip().replace(",", "."))
        except ValueError:
            errors["years_experience"] = t("years_not_number")
    data = svc.ProfileInput(narrative=narrative, narrative_language=language_code(narrative_language) or None,
                            languages=[x.strip() for x in languages.split(",") if x.strip()][:20], years_experience=years,
                            country=country.strip() or None, municipality=municipality.strip() or None,
                            documents=[{"kind": k} for k in form["documents"]])
    for field, code, _ in svc.profile_problems(data, max_chars):
        errors.setdefault(field, t(code).format(n=len(narrative), max=max_chars))
    if not errors:
        def save() -> None:
            with request.app.state.sessions() as db:
                svc.add_profile(db, actor, person_id, data, max_chars)

        try:
            await run_in_threadpool(save)
        except Invalid as exc:  # a rule the form did not know: shown with the form, never a raw page
            errors = {f: t(c) for f, c in exc.problems} or {"narrative": str(exc)}
    if errors:
        return await _person_page(request, actor, person_id, form=form, errors=errors)
    return RedirectResponse(f"/operator/persons/{person_id}", status_code=303)


@router.post("/operator/persons/{person_id}/decisions")
def operator_decision(request: Request, person_id: PathId, target_uri: str = Form(max_length=255),
                      target_kind: str = Form("occupation", pattern="^(occupation|vacancy)$"), isco_code: str = Form("", max_length=4),
                      status: str = Form(max_length=32), reason: str = Form("", max_length=1000)) -> Response:
    actor = _actor(request, Action.CASEWORK)
    with request.app.state.sessions() as db:
        try:
            data = DecisionCreate.model_validate({"target_kind": target_kind, "target_uri": target_uri, "status": status,
                                                  "isco_code": isco_code or None, "reason": reason.strip() or None})
            svc.add_decision(db, actor, person_id, data)
        except ValidationError as exc:  # a value the form's choices do not offer
            message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return _render(request, "message.html", {"message": message}, 422, actor)
        except ServiceError as exc:
            return _render(request, "message.html", {"message": str(exc)}, exc.status, actor)
    return RedirectResponse(f"/operator/persons/{person_id}?saved=decision#decisions", status_code=303)


@router.post("/operator/persons/{person_id}/erase")
def operator_erase(request: Request, person_id: PathId, confirm: str = Form("")) -> Response:
    actor = _actor(request, Action.CASEWORK)
    if confirm != "yes":
        return RedirectResponse(f"/operator/persons/{person_id}", status_code=303)
    with request.app.state.sessions() as db:
        svc.erase_person(db, actor, person_id)
    return RedirectResponse("/operator", status_code=303)


@router.get("/operator/persons/{person_id}/card", response_class=HTMLResponse)
async def operator_card(request: Request, person_id: PathId,
                        person_lang: str | None = Query(None, pattern="^(it|en|fr|es|ro|pt|ar|none)$")) -> Response:
    actor = _actor(request, Action.CASEWORK)
    matcher = request.app.state.matcher.get()
    with request.app.state.sessions() as db:
        ranker = request.app.state.ranker.get(db, matcher.taxonomy_)
        data = await run_in_threadpool(person_card, db, actor, person_id, matcher, ranker, get_rules(request))
    return render_card(request, data, _lang(request), person_lang)


def render_card(request: Request, data: dict, lang: str, person_lang: str | None = None) -> Response:
    """The printable profiling card, for the page and for the API's ``format=html``: in the page's
    language and, side by side, in the person's (asked for, else the narrative's or a spoken one)."""
    second = person_language(data["profile"], lang, person_lang)
    matcher = request.app.state.matcher.get()
    taxonomy = matcher.taxonomy_ if matcher is not None else None

    def label_in(uri: str, kind: str, language: str, fallback: str, fallback_language: str | None) -> str:
        """The taxonomy's label in the language, else the card's own marked with its language."""
        concepts = (taxonomy.occupations if kind == "occupation" else taxonomy.skills) if taxonomy is not None else {}
        rec = concepts.get(uri)
        if rec is not None and language in rec.preferred:
            return rec.preferred[language]
        return f"{fallback} ({(fallback_language or '?').upper()})"

    return templates.TemplateResponse(request, "card.html", {
        "card": data, "page_lang": lang, "second": second, "words": CARD_WORDS, "rtl": RTL, "label_in": label_in,
        "review_text": _review_text(request, data["match"], lang)})
