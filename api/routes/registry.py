"""Analysts: the model registry over HTTP (list, card, train, promote, roll back)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api.deps import DB, Analyst
from matcher.registry import service as model_service
from matcher.registry.schemas import PromoteRequest, RollbackRequest, TrainRequest
from matcher.registry.store import BUILTIN, Registry, RegistryError
from matcher.training.jobs import start_training

router = APIRouter(tags=["analyst"])


def _registry(request: Request) -> Registry:
    return Registry(request.app.state.settings.registry_dir)


@router.get("/models")
def models(request: Request, actor: Analyst) -> dict:
    """The matcher that serves (encoder, taxonomy, index, weights), every version in the registry
    with its metrics, and the promotion history."""
    m = request.app.state.matcher.get()
    out = model_service.list_models(_registry(request))
    out["slots"] = out.pop("serving")
    if m is None:
        return {"serving": None, **out}
    learned = m.scorer_.learned
    return {"serving": m.model_version, "serving_model": m.model_id_, "index": m.index_.meta, "weights": m.scorer_.w.__dict__,
            "learned_scorer": learned.weights() if learned is not None else None, **out}


@router.get("/models/{model_id}")
def model(model_id: str, request: Request, actor: Analyst) -> dict:
    """One version: its metadata and its model card."""
    registry = _registry(request)
    try:
        info = registry.get(model_id[:100])
    except RegistryError as exc:
        raise HTTPException(404, str(exc)) from None
    card = (info.folder / "README.md").read_text(encoding="utf-8") if info.id != BUILTIN else ""
    return {**model_service.summary(registry, info), "card": card}


@router.post("/models/train", status_code=202)
def train(body: TrainRequest, request: Request, actor: Analyst) -> dict:
    """Train a candidate in the background (ESCO plus recorded outcomes); follow it at /jobs/{job_id}.
    It does not serve until promoted."""
    s = request.app.state.settings
    job_id = start_training(s, request.app.state.sessions, actor, body.kind, body.examples, body.epochs)
    return {"job_id": job_id}


@router.post("/models/{model_id}/promote")
def promote(model_id: str, body: PromoteRequest, request: Request, db: DB, actor: Analyst) -> dict:
    """Serve this version if it is better than the serving one on the same evaluation (409 if not;
    ``force`` with a reason overrides, audited). The service switches without a restart."""
    r = model_service.promote(db, actor, _registry(request), model_id[:100], body.force, body.reason, body.evaluation)
    request.app.state.matcher.load_async(build=True)
    return r


@router.post("/models/rollback")
def rollback(body: RollbackRequest, request: Request, db: DB, actor: Analyst) -> dict:
    """Serve again the version that served before the current one."""
    r = model_service.rollback(db, actor, _registry(request), body.slot)
    request.app.state.matcher.load_async(build=True)
    return r
