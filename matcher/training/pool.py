"""Candidate features computed once per training text, then assembled for any example memory.

The memory features depend on which coded examples the memory holds: in cross-validation a fold's
texts must not find themselves or their fold. The expensive part (signals, ~0.2 s a text) is done
once: every text keeps its top candidates and the best occupation of every ISCO group (the rows a
memory can bring in), and ``assemble`` picks the rows and fills the two memory columns exactly as
``reranker.candidate_features`` does at match time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.matching.example_memory import ExampleMemory
from matcher.matching.learned_scorer import FEATURES, candidate_features, memory_columns
from matcher.matching.scoring import MatchInputError

BEST, VOTE = FEATURES.index("example_best"), FEATURES.index("example_vote")


@dataclass
class CandidatePool:
    X: np.ndarray  # rows x features (memory columns empty)
    codes: np.ndarray  # ISCO-4 group of each row's occupation
    query: np.ndarray  # the text each row belongs to
    top: np.ndarray  # the row is among the fused score's best ``candidates``
    right: np.ndarray  # the row's group is accepted for its text
    positive: np.ndarray  # per text: False for a rejected suggestion (only its group's rows count)
    vectors: np.ndarray  # per text: its whole-text vector (zeros when the encoder has none)


def build_pool(matcher, examples, candidates: int = 50, progress: Callable[[int, int], None] | None = None) -> CandidatePool:  # noqa: ANN001
    scorer = matcher.scorer_
    n_occ = len(scorer.isco)
    Xs, codes, qs, tops, rights, positive, vectors = [], [], [], [], [], [], []
    for i, ex in enumerate(examples):
        try:
            sig = matcher.signals(ex.text, ex.language if ex.language in matcher.taxonomy_.languages else None)
        except MatchInputError:  # a text the matcher refuses (no words): it teaches nothing, keeps its place
            Xs.append(np.zeros((0, len(FEATURES)), dtype=np.float32))
            codes.append(np.zeros(0, dtype=str))
            qs.append(np.zeros(0, dtype=np.int64))
            tops.append(np.zeros(0, dtype=bool))
            rights.append(np.zeros(0, dtype=bool))
            positive.append(ex.positive)
            vectors.append(np.zeros(1, dtype=np.float32))
            continue
        order, X, _ = candidate_features(scorer, sig, n_occ)
        c = np.asarray([scorer.isco[o] or "" for o in order])
        first: dict[str, int] = {}
        for j, code in enumerate(c):
            first.setdefault(code, j)
        keep = np.asarray(sorted(set(range(min(candidates, len(order)))) | set(first.values())))
        ok = set(ex.accepted) or {ex.isco}
        Xs.append(X[keep])
        codes.append(c[keep])
        qs.append(np.full(len(keep), i))
        tops.append(keep < candidates)
        rights.append(np.asarray([code in ok for code in c[keep]]))
        positive.append(ex.positive)
        vectors.append(sig.text_vector if sig.text_vector is not None else np.zeros(1, dtype=np.float32))
        if progress:
            progress(i + 1, len(examples))
    dim = max(len(v) for v in vectors)
    V = np.zeros((len(vectors), dim), dtype=np.float32)
    for i, v in enumerate(vectors):
        V[i, :len(v)] = v
    return CandidatePool(np.vstack(Xs), np.concatenate(codes), np.concatenate(qs), np.concatenate(tops),
                         np.concatenate(rights), np.asarray(positive), V)


def assemble(pool: CandidatePool, queries: np.ndarray, memory_of: Callable[[int], tuple[ExampleMemory | None, np.ndarray | None]]):  # noqa: ANN201
    """(X, y, query ids) of ``queries``: each text's candidates and memory columns as at match time,
    from the memory (and rows to exclude from it) that ``memory_of(query)`` gives."""
    Xs, ys, qs = [], [], []
    for q in queries:
        rows = np.flatnonzero(pool.query == q)
        if not len(rows):
            continue
        memory, exclude = memory_of(int(q))
        best_sim, vote = memory.group_scores(pool.vectors[q], exclude) if memory is not None and len(memory) else ({}, {})
        chosen = rows[pool.top[rows] | np.isin(pool.codes[rows], list(vote))]
        X = pool.X[chosen].copy()
        X[:, BEST], X[:, VOTE] = memory_columns(list(pool.codes[chosen]), best_sim, vote)
        y = pool.right[chosen].astype(np.int8)
        if not pool.positive[q]:  # a rejected suggestion: only its group's rows, all wrong
            X, y = X[y.astype(bool)], np.zeros(int(y.sum()), dtype=np.int8)
        Xs.append(X)
        ys.append(y)
        qs.append(np.full(len(y), q))
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(qs)


def merge_pools(parts: list[CandidatePool]) -> CandidatePool:
    """One pool from pools of consecutive chunks of texts (query ids shifted)."""
    offsets = np.cumsum([0] + [len(p.positive) for p in parts])
    dim = max(p.vectors.shape[1] for p in parts)
    vectors = np.vstack([np.pad(p.vectors, ((0, 0), (0, dim - p.vectors.shape[1]))) for p in parts])
    return CandidatePool(np.vstack([p.X for p in parts]), np.concatenate([p.codes for p in parts]),
                         np.concatenate([p.query + o for p, o in zip(parts, offsets)]), np.concatenate([p.top for p in parts]),
                         np.concatenate([p.right for p in parts]), np.concatenate([p.positive for p in parts]), vectors)
