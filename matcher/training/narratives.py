"""Narratives written like the real ones (text + accepted ISCO-4 groups) as training data for the
learned scorer, and the cross-validation that chooses its regularisation on them.

Folds are over narratives; ESCO's own examples, when given, stay in every training fold. The
numbers this reports are cross-validated on the training narratives: the dev narratives and the
benchmarks' report splits are never read here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..evaluation import read_narratives
from .examples import Example
from .reranker import FEATURES, LearnedScorer


def narrative_examples(path: str | Path) -> list[Example]:
    return [Example(n.text, "", n.isco[0], "narrative", n.lang, accepted=tuple(n.isco)) for n in read_narratives(Path(path))]


@dataclass
class CVResult:
    alpha: float
    hit1: float
    hit5: float
    fused_hit1: float  # the hand-set fusion on the same folds
    fused_hit5: float
    n: int


def _hits(scores: np.ndarray, y: np.ndarray, groups: np.ndarray, queries: np.ndarray) -> tuple[float, float]:
    """hit@1 and hit@5 (right ISCO-4 group among the best k candidates) over ``queries``."""
    h1 = h5 = 0
    for q in queries:
        m = groups == q
        order = np.argsort(-scores[m])
        yy = y[m][order]
        h1 += bool(yy[:1].any())
        h5 += bool(yy[:5].any())
    return h1 / max(1, len(queries)), h5 / max(1, len(queries))


def cross_validate(X: np.ndarray, y: np.ndarray, groups: np.ndarray, narrative_queries: np.ndarray,  # noqa: N803
                   alphas: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0), folds: int = 5, seed: int = 0,
                   fused_column: int = FEATURES.index("fused"), progress: Callable[[str, int, int], None] | None = None) -> list[CVResult]:
    """K-fold over the narrative queries; rows of other queries (ESCO examples) train in every fold."""
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(narrative_queries)
    parts = np.array_split(shuffled, folds)
    out = []
    for ai, alpha in enumerate(alphas):
        learned = np.zeros(len(y))
        for k, test_q in enumerate(parts):
            test = np.isin(groups, test_q)
            model = LearnedScorer(alpha=alpha).fit(X[~test], y[~test], groups[~test])
            learned[test] = model.decision_function(X[test])
            if progress:
                progress("cross-validating", ai * folds + k + 1, len(alphas) * folds)
        h1, h5 = _hits(learned, y, groups, narrative_queries)
        f1, f5 = _hits(X[:, fused_column], y, groups, narrative_queries)
        out.append(CVResult(alpha, round(h1, 4), round(h5, 4), round(f1, 4), round(f5, 4), len(narrative_queries)))
    return out


def best(results: list[CVResult]) -> CVResult:
    return max(results, key=lambda r: (r.hit1, r.hit5, -r.alpha))
