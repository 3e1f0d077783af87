"""Training the pathway estimator from outcomes and putting it in the registry (slot ``pathway``).

Outcomes are split by time: the estimator learns from the earlier 80% and is measured, with the
rules, on the later 20%, the situation it will serve in."""
from __future__ import annotations

import time

import joblib

from matcher.pathway.learned import MIN_OUTCOMES, LearnedPathway, TooFewOutcomes, outcome_rows, pathway_accuracy, too_few
from matcher.pathway.serving import load_pathway, rules_from
from matcher.registry.store import BUILTIN, ModelInfo, Registry, library_versions

__all__ = ["train_pathway", "TooFewOutcomes"]


def train_pathway(settings, session, created_by: str | None = None, before=None) -> ModelInfo:  # noqa: ANN001
    X, y, dates = outcome_rows(session, before)
    if len(y) < MIN_OUTCOMES:
        raise too_few(len(y))
    cut = int(len(y) * 0.8)
    rules = rules_from(settings)
    model = LearnedPathway(rules.certifiable_coverage, rules.internship_coverage, rules.internship_min_years).fit(X[:cut], y[:cut])
    name = f"outcomes-pathway-after-{str(dates[cut])[:10]}"
    metrics = {name: {"accuracy": round(pathway_accuracy(model, X[cut:], y[cut:]), 4), "n": len(y) - cut}}
    registry = Registry(settings.registry_dir)
    staged = registry.staging()
    try:
        joblib.dump(model.fit(X, y), staged / "pathway.joblib")  # the served one learns from every outcome
        info = ModelInfo(id=registry.new_id("pathway"), slot="pathway", kind="pathway", encoder="",
                         created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), created_by=created_by,
                         trained_on={"outcomes": len(y), "by_pathway": {c: int((y == c).sum()) for c in set(y.tolist())}},
                         params={"max_depth": model.max_depth, "min_samples_leaf": model.min_samples_leaf},
                         libraries=library_versions(), metrics=metrics, parent=registry.serving("pathway"))
        card = (f"# {info.id}\n\nA decision tree over coverage, documented coverage, documents and years, learned from "
                f"{len(y)} recorded outcomes (no person data).\n\nAccuracy on the latest 20% of outcomes: "
                f"{metrics[name]['accuracy']:.3f} (n={metrics[name]['n']}); the rules: "
                f"{pathway_accuracy(rules, X[cut:], y[cut:]):.3f}.\n")
        info = registry.add(staged, info, card)
    except BaseException:
        registry.remove_staging(staged)
        raise
    serving = registry.serving("pathway")
    current = rules if serving == BUILTIN else load_pathway(registry.get(serving).folder)
    registry.set_metrics(serving, name, {"accuracy": round(pathway_accuracy(current, X[cut:], y[cut:]), 4), "n": len(y) - cut})
    return info
