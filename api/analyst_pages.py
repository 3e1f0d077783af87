"""The analysis page: the serving model, the registry with its metrics plotted, promotion,
training, outcome and measure statistics, and their CSV/XLSX downloads. Aggregates only."""
from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.pages import _actor, _render
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action
from matcher.errors import ServiceError
from matcher.network.service import measure_stats
from matcher.people.service import DECISION_STATUSES, outcome_stats
from matcher.registry import service as model_service
from matcher.registry.store import Registry
from matcher.reports.service import FORMATS, REPORTS, frame_bytes, organisation_names, report_frame
from matcher.vacancies.shortage import latest_signals

router = APIRouter(include_in_schema=False)


@router.get("/analyst", response_class=HTMLResponse)
def analyst_home(request: Request) -> Response:
    actor = _actor(request, Action.READ_ANALYSIS)
    m = request.app.state.matcher.get()
    with request.app.state.sessions() as db:
        outcomes = outcome_stats(db, 1)
        measures = measure_stats(db)
        signals = len(latest_signals(db))
        org_names = organisation_names(db)
    model = None
    if m is not None:
        import json

        calib = (m.index_dir_ / "calibration.json") if m.index_dir_ else None
        model = {"version": m.model_version, "meta": m.index_.meta, "id": m.model_id_,
                 "calibration": json.loads(calib.read_text()) if calib and calib.exists() else None}
    state = request.app.state.matcher
    registry = model_service.list_models(Registry(request.app.state.settings.registry_dir))
    return _render(request, "analyst.html", {"outcomes": outcomes, "measures": measures, "model": model, "signals": signals,
                                             "loading": state.loading, "error": state.error, "registry": registry,
                                             "plot": metrics_plot(registry["models"]), "org_names": org_names,
                                             "statuses": DECISION_STATUSES}, actor=actor)


PLOT_SETS = ("narratives", "outcomes", "esco-skills-heldout", "esco-titles-heldout")


def metrics_plot(models: list[dict], width: int = 640, height: int = 220) -> dict:
    """ISCO-4 hit@1 of every matcher version, in the order they were trained, one line per
    evaluation set: drawn as inline SVG by the template (no script, no build step)."""
    matchers = [m for m in models if m["slot"] == "matcher"]
    names: list[str] = []
    for m in matchers:
        for n in m["metrics"]:
            if n.startswith(PLOT_SETS) and n not in names:
                names.append(n)
    left, right, top, bottom = 40, 10, 10, 30
    xs = {m["id"]: left + (width - left - right) * (i / max(1, len(matchers) - 1)) for i, m in enumerate(matchers)}
    series = []
    for k, name in enumerate(names[:5]):
        pts = [(xs[m["id"]], top + (height - top - bottom) * (1 - m["metrics"][name]["all"]["hit@1"]), m["id"],
                m["metrics"][name]["all"]["hit@1"]) for m in matchers if "all" in m["metrics"].get(name, {})]
        series.append({"name": name, "cls": f"series-{k}", "points": pts,
                       "path": " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)})
    ticks = [(top + (height - top - bottom) * (1 - v), v) for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    labels = [(xs[m["id"]], m["id"]) for m in matchers]
    return {"width": width, "height": height, "series": series, "ticks": ticks, "labels": labels, "left": left,
            "right": width - right, "bottom": height - bottom}


@router.post("/analyst/models/{model_id}/promote", response_class=HTMLResponse)
def analyst_promote(request: Request, model_id: str, force: str = Form(""), reason: str = Form("", max_length=500)) -> Response:
    actor = _actor(request, Action.ANALYSE)
    registry = Registry(request.app.state.settings.registry_dir)
    with request.app.state.sessions() as db:
        try:
            model_service.promote(db, actor, registry, model_id[:100], force=bool(force), reason=reason or None)
        except ServiceError as exc:
            return _render(request, "message.html", {"message": str(exc), "back": "/analyst"}, exc.status, actor)
    request.app.state.matcher.load_async(build=True)
    return RedirectResponse("/analyst#h-registry", status_code=303)


@router.post("/analyst/models/rollback", response_class=HTMLResponse)
def analyst_rollback(request: Request) -> Response:
    actor = _actor(request, Action.ANALYSE)
    with request.app.state.sessions() as db:
        try:
            model_service.rollback(db, actor, Registry(request.app.state.settings.registry_dir))
        except ServiceError as exc:
            return _render(request, "message.html", {"message": str(exc), "back": "/analyst"}, exc.status, actor)
    request.app.state.matcher.load_async(build=True)
    return RedirectResponse("/analyst#h-registry", status_code=303)


@router.post("/analyst/models/train")
def analyst_train(request: Request, kind: str = Form("head", max_length=20),
                  examples: int = Form(1600, ge=50, le=20_000)) -> Response:
    actor = _actor(request, Action.ANALYSE)
    from matcher.training.jobs import start_training

    if kind not in ("scorer", "head", "scorer+head", "pathway"):
        return _render(request, "message.html", {"message": f"unknown kind {kind!r}", "back": "/analyst"}, 422, actor)
    job_id = start_training(request.app.state.settings, request.app.state.sessions, actor, kind, examples, 20)
    return RedirectResponse(f"/admin/jobs/{job_id}", status_code=303)


@router.get("/analyst/exports/{name}.{fmt}")
def analyst_export(request: Request, name: str, fmt: str) -> Response:
    """Outcome statistics, measures or the registry's benchmark table as CSV or XLSX."""
    actor = _actor(request, Action.READ_ANALYSIS)
    if name not in REPORTS or fmt not in FORMATS:
        return _render(request, "message.html", {"message": f"{name}.{fmt}?", "back": "/analyst"}, 404, actor)
    registry = Registry(request.app.state.settings.registry_dir)
    with request.app.state.sessions() as db:
        frame = report_frame(name, db, registry)
        record(db, actor, "export", "report", detail={"report": name, "format": fmt, "rows": len(frame)})
        db.commit()
    return Response(frame_bytes(frame, fmt, name), media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="skillmatch-{name}.{fmt}"'})
