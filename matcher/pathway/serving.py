"""Which pathway estimator serves: the rules from settings, or a version learned from outcomes and
promoted in the registry (slot ``pathway``)."""
from __future__ import annotations

import logging
from pathlib import Path

from matcher.matching.artifacts import load_joblib
from matcher.pathway.rules import PathwayRules
from matcher.registry.store import BUILTIN, Registry
from matcher.settings import Settings

log = logging.getLogger("skillmatch.pathway")


def rules_from(settings) -> PathwayRules:  # noqa: ANN001
    return PathwayRules(settings.pathway_certifiable_coverage, settings.pathway_internship_coverage,
                        settings.pathway_internship_min_years)


def load_pathway(folder: Path):  # noqa: ANN201
    return load_joblib(Path(folder) / "pathway.joblib")


def serving_pathway(settings: Settings, registry: Registry):  # noqa: ANN201 - PathwayRules or LearnedPathway
    """The estimator the registry serves; the rules when a promoted one cannot load here (the log says why)."""
    serving = registry.serving("pathway")
    if serving == BUILTIN:
        return rules_from(settings)
    try:
        return load_pathway(registry.get(serving).folder)
    except Exception:
        log.exception("pathway model %s cannot be loaded; the rules serve", serving)
        return rules_from(settings)
