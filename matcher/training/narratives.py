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

from matcher.benchmarks.evaluation import read_narratives
from matcher.matching.example_memory import ExampleMemory
from matcher.matching.learned_scorer import FEATURES, LearnedScorer
from matcher.training.examples import Example
from matcher.training.pool import CandidatePool, assemble


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


def narrative_memory(pool: CandidatePool, examples: list[Example], queries: np.ndarray) -> ExampleMemory:
    """The coded examples a scorer reads at match time: these narratives' vectors and accepted groups."""
    return ExampleMemory(pool.vectors[queries], [tuple(examples[q].accepted) or (examples[q].isco,) for q in queries])


def memory_lookup(memory: ExampleMemory | None, members: np.ndarray):  # noqa: ANN201
    """``memory_of`` for ``assemble``: a text that is in the memory never finds itself."""
    position = {int(q): i for i, q in enumerate(members)}
    return lambda q: (memory, np.asarray([position[q]]) if q in position else None)


def cross_validate(pool: CandidatePool, examples: list[Example], narrative_queries: np.ndarray, plain_queries: np.ndarray,
                   alphas: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0), folds: int = 5, seed: int = 0,
                   use_memory: bool = True, progress: Callable[[str, int, int], None] | None = None) -> list[CVResult]:
    """K-fold over the narrative texts: a fold's texts are scored by a scorer trained on ESCO's
    examples and the other folds, reading a memory of the other folds only."""
    rng = np.random.default_rng(seed)
    parts = np.array_split(rng.permutation(narrative_queries), folds)
    learned: dict[float, list[np.ndarray]] = {a: [] for a in alphas}
    fused, test_rows = [], []
    for k, test_q in enumerate(parts):
        train_narr = np.setdiff1d(narrative_queries, test_q)
        memory = narrative_memory(pool, examples, train_narr) if use_memory else None
        memory_of = memory_lookup(memory, train_narr)
        X, y, q = assemble(pool, np.concatenate([plain_queries, train_narr]), memory_of)
        Xt, yt, qt = assemble(pool, test_q, memory_of)
        for ai, alpha in enumerate(alphas):
            model = LearnedScorer(alpha=alpha).fit(X, y, q)
            learned[alpha].append(model.decision_function(Xt))
            if progress:
                progress("cross-validating", k * len(alphas) + ai + 1, folds * len(alphas))
        fused.append(Xt[:, FEATURES.index("fused")])
        test_rows.append((yt, qt))
    y_all = np.concatenate([t[0] for t in test_rows])
    q_all = np.concatenate([t[1] for t in test_rows])
    f1, f5 = _hits(np.concatenate(fused), y_all, q_all, narrative_queries)
    out = []
    for alpha in alphas:
        h1, h5 = _hits(np.concatenate(learned[alpha]), y_all, q_all, narrative_queries)
        out.append(CVResult(alpha, round(h1, 4), round(h5, 4), round(f1, 4), round(f5, 4), len(narrative_queries)))
    return out


def best(results: list[CVResult]) -> CVResult:
    return max(results, key=lambda r: (r.hit1, r.hit5, -r.alpha))
