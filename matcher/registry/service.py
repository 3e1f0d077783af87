"""Analysts' model operations, shared by the CLI and the API: list, evaluate, promote, roll back.

Promotion compares the candidate with the serving version on the same evaluation set (same file,
same checksum) and refuses one that is not better (ISCO-4 hit@1, then MRR); ``force`` overrides
and is audited with its reason. The registry's serving.json says what serves; every running
worker notices the change and swaps its matcher without dropping requests in flight.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.errors import Conflict, Invalid, NotFound
from matcher.registry.store import BUILTIN, ModelInfo, Registry, RegistryError

PREFERRED_EVALS = ("narratives", "outcomes", "esco-skills-heldout", "esco-titles-heldout")


def _get(registry: Registry, model_id: str) -> ModelInfo:
    try:
        return registry.get(model_id)
    except RegistryError as exc:
        raise NotFound(str(exc)) from None


def summary(registry: Registry, info: ModelInfo) -> dict:
    d = info.to_dict()
    d["serving"] = registry.serving(info.slot) == info.id
    return d


def list_models(registry: Registry) -> dict:
    items = [registry.get(BUILTIN), *registry.list()]
    return {"serving": {s: registry.serving(s) for s in ("matcher", "pathway")},
            "previous": registry.previous("matcher"),
            "models": [summary(registry, m) for m in items], "history": registry.history()}


def _score(metrics: dict) -> tuple[float, float]:
    if "all" in metrics:
        return (metrics["all"]["hit@1"], metrics["all"]["mrr"])
    return (metrics.get("accuracy", 0.0), 0.0)


def comparison(candidate: ModelInfo, serving: ModelInfo, eval_name: str | None = None) -> tuple[str, tuple, tuple]:
    """The evaluation both were measured on (the named one, else the most telling one they share)."""
    common = [n for n in candidate.metrics if n in serving.metrics and n != "esco-train-sample"]
    if eval_name is not None:
        hits = [n for n in common if n == eval_name or n.split("@")[0] == eval_name]
        if not hits:
            raise Invalid(f"{candidate.id} and {serving.id} were not both evaluated on {eval_name!r}: run "
                          f"`skillmatch evaluate MODEL --eval FILE` for each (shared: {', '.join(common) or 'none'})")
        name = hits[0]
    else:
        if not common:
            raise Invalid(f"{candidate.id} and {serving.id} share no evaluation: run `skillmatch evaluate` on the same "
                          "file for both first")
        name = sorted(common, key=lambda n: next((i for i, p in enumerate(PREFERRED_EVALS) if n.startswith(p)), 99))[0]
    return name, _score(candidate.metrics[name]), _score(serving.metrics[name])


def promote(session: Session, actor: Actor, registry: Registry, model_id: str, force: bool = False,
            reason: str | None = None, eval_name: str | None = None) -> dict:
    cand = _get(registry, model_id)
    slot = cand.slot
    current = registry.serving(slot)
    if current == model_id:
        raise Conflict(f"{model_id} already serves")
    serving = _get(registry, current)
    if cand.id == BUILTIN:
        name, c, s = "none", (0, 0), (0, 0)
    else:
        try:
            name, c, s = comparison(cand, serving, eval_name)
        except Invalid:
            if not force:
                raise
            name, c, s = "none", (0, 0), (0, 0)
    better = c > s
    if not better and not force:
        raise Conflict(f"{model_id} is not better than the serving {current} on {name}: hit@1 {c[0]:.3f} vs {s[0]:.3f}, "
                       f"MRR {c[1]:.3f} vs {s[1]:.3f}. Promotion refused (an analyst may force it, with a reason; it is audited)")
    if force and not better and not (reason or "").strip():
        raise Invalid("a forced promotion needs a reason")
    entry = registry.set_serving(slot, model_id, "promote", actor.username, forced=force and not better, reason=reason)
    record(session, actor, "promote_forced" if entry["forced"] else "promote", "model",
           detail={"model": model_id, "previous": current, "evaluation": name, "candidate": list(c), "serving": list(s),
                   "reason": reason})
    session.commit()
    return {**entry, "evaluation": name, "candidate_score": {"hit@1": c[0], "mrr": c[1]},
            "serving_score": {"hit@1": s[0], "mrr": s[1]}}


def rollback(session: Session, actor: Actor, registry: Registry, slot: str = "matcher") -> dict:
    current = registry.serving(slot)
    prev = registry.previous(slot)
    if prev is None:
        raise Conflict(f"nothing to roll back to: {current} has served since the start")
    _get(registry, prev)
    entry = registry.set_serving(slot, prev, "rollback", actor.username)
    record(session, actor, "rollback", "model", detail={"model": prev, "previous": current, "slot": slot})
    session.commit()
    return entry
