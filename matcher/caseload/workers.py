"""What runs inside a Ray worker: the service's own matcher and vacancy ranker, loaded once per
worker and applied to batches of rows. A person's text and evidence reach these workers and
nothing else; what comes back is the result the driver writes.

Rows are columns of plain values (Ray Data's numpy batches); results and pathways travel as JSON
text, so that no nested schema has to agree between blocks.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class MatcherSpec:
    """How a worker builds the same matcher the driver chose (a registry version on a taxonomy)."""

    encoder: str
    registry_dir: str
    model_path: str | None  # None: the hand-set fusion (builtin)
    max_chars: int
    taxonomy: Any  # a Ray object reference to the taxonomy (put once, read by every worker)
    rules: Any  # the pathway rules that serve (PathwayRules or the learned pathway)
    top_k: int = 10


def _matcher(spec: MatcherSpec):  # noqa: ANN202
    from matcher.matching.matcher import SkillMatcher
    from matcher.taxonomy.in_memory import Taxonomy

    taxonomy = spec.taxonomy
    if not isinstance(taxonomy, Taxonomy):  # in a worker: a reference to the one the driver put
        import ray

        taxonomy = ray.get(taxonomy)
    # one encoder thread per worker: Ray gives each worker one CPU, and spinning OpenMP threads of
    # two workers on the same cores slow both (see bench/speed.py)
    return SkillMatcher(encoder=spec.encoder, registry_dir=Path(spec.registry_dir), max_chars=spec.max_chars,
                        build_if_missing=False, encoder_threads=1,
                        model=spec.model_path).fit(taxonomy)


class MatchWorker:
    """Matches narratives; with the person's facts, the pathway for each suggested occupation too.

    Input columns: ``key`` (what the driver writes back to), ``text``, ``language`` ('' for none),
    ``facts`` (JSON: years, documents, validated skills; '' when the source has none).
    Output: ``key``, ``result`` and ``pathways`` (JSON, '' on error), ``error`` ('' when matched)."""

    def __init__(self, spec: MatcherSpec):
        self.spec = spec
        self.matcher = _matcher(spec)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from matcher.matching.scoring import MatchInputError
        from matcher.pathway.rules import PersonFacts
        from matcher.pathway.service import pathways

        out: dict[str, list] = {"key": [], "result": [], "pathways": [], "error": []}
        for key, text, language, facts in zip(batch["key"], batch["text"], batch["language"], batch["facts"]):
            out["key"].append(key)
            try:
                result = self.matcher.match(str(text), str(language) or None, self.spec.top_k).to_dict()
            except MatchInputError as exc:
                out["result"].append("")
                out["pathways"].append("")
                out["error"].append(str(exc))
                continue
            f = json.loads(facts) if facts else {}
            person = PersonFacts(f.get("years_experience"), set(f.get("documents", [])), set(f.get("validated", [])))
            out["result"].append(json.dumps(result, ensure_ascii=False))
            out["pathways"].append(json.dumps(pathways(self.matcher, result, person, self.spec.rules), ensure_ascii=False))
            out["error"].append("")
        return out


class RankWorker:
    """Ranks the open vacancies for each person's evidence with the service's ``VacancyRanker``.

    Input columns: ``key`` (person id) and ``evidence`` (JSON of ``PersonEvidence``); output:
    ``key`` and ``ranked`` (JSON list of the top vacancies with their factors)."""

    def __init__(self, ranker: Any, top_k: int = 20, max_km: float | None = None):
        import ray

        self.ranker = ray.get(ranker) if isinstance(ranker, ray.ObjectRef) else ranker
        self.top_k, self.max_km = top_k, max_km

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from matcher.vacancies.evidence import PersonEvidence

        out: dict[str, list] = {"key": [], "ranked": []}
        for key, evidence in zip(batch["key"], batch["evidence"]):
            e = json.loads(evidence)
            person = PersonEvidence(set(e["skills"]), e["occupation_rank"], e["isco_rank"], e.get("latitude"), e.get("longitude"))
            out["key"].append(key)
            out["ranked"].append(json.dumps(self.ranker.rank(person, max_km=self.max_km, top_k=self.top_k)))
        return out
