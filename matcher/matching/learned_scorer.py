"""A learned scorer that replaces the hand-set fusion weights.

The fused score still picks the ``candidates`` best occupations (cheap, and recall@50 is near
perfect); a scikit-learn classifier then re-orders them from per-candidate features: the
standardised signals, the fused score and rank, ISCO-group support, and whether the skills
evidenced in the text belong to the candidate. Trained on examples from ESCO (and outcomes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.matching.example_memory import ExampleMemory
from matcher.matching.linear_ranking import LinearRanking
from matcher.matching.scoring import Scorer
from matcher.matching.signals import Signals

if TYPE_CHECKING:  # fitting imports scikit-learn (~1.2 s); serving reads plain arrays and never needs it
    from matcher.matching.listwise import ListwiseRanker

FEATURES = ("dense", "description", "lexical", "coverage", "skills", "fused", "gap_to_best", "log_rank",
            "group_support", "raw_dense", "skills_agree", "group_share", "native", "log_essential",
            "example_best", "example_vote")


def candidate_features(scorer: Scorer, sig: Signals, candidates: int, memory: ExampleMemory | None = None,
                       exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidate occupation positions, their features, the fused scores of all occupations).

    With an example memory, the ISCO groups of the text's nearest coded examples bring their best
    occupation into the candidates too (the fused score may have missed the group), and every
    candidate gets the memory's two numbers (``example_best``, ``example_vote``)."""
    comp = scorer.components(sig)
    fused = scorer.fused(sig, comp)
    full = np.argsort(-fused)
    order = full[:candidates]
    best_sim: dict[str, float] = {}
    vote: dict[str, float] = {}
    if memory is not None and len(memory) and sig.text_vector is not None:
        best_sim, vote = memory.group_scores(sig.text_vector, exclude)
        have = {scorer.isco[o] for o in order}
        wanted = set(vote) - have
        extra = []
        for o in full[candidates:]:
            if not wanted:
                break
            if scorer.isco[o] in wanted:
                wanted.discard(scorer.isco[o])
                extra.append(o)
        if extra:
            order = np.concatenate([order, np.asarray(extra, dtype=order.dtype)])
    rank = np.empty(len(fused), dtype=np.int64)
    rank[full] = np.arange(len(full))
    top_skills = np.argsort(-scorer.skill_report_scores(sig))[:10]
    rel = (scorer.essential[order][:, top_skills] + scorer.optional[order][:, top_skills]).toarray()
    agree = (rel > 0).mean(axis=1)
    codes3 = [(scorer.isco[o] or "")[:3] for o in full[:10]]
    share = np.asarray([codes3.count((scorer.isco[o] or "")[:3]) / 10.0 for o in order])
    raw = sig.occ_dense.max(axis=0)[order] if sig.occ_dense is not None else np.zeros(len(order))
    support = scorer._group_support(fused)[order]
    n_ess = np.asarray(scorer.essential[order].sum(axis=1)).ravel()
    ex_best, ex_vote = memory_columns([scorer.isco[o] for o in order], best_sim, vote)
    X = np.column_stack([
        comp["dense"][order], comp["description"][order], comp["lexical"][order], comp["coverage"][order],
        comp["skills"][order], fused[order], fused[order] - fused[full[0]], np.log1p(rank[order]),
        support, raw, agree, share, np.full(len(order), float(sig.native)), np.log1p(n_ess), ex_best, ex_vote,
    ]).astype(np.float32)
    return order, X, fused


def memory_columns(codes: list[str | None], best_sim: dict[str, float], vote: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """``example_best`` and ``example_vote`` of candidates of these ISCO groups (a group with no
    example takes the text's lowest similarity to any group, so it neither wins nor loses)."""
    floor = min(best_sim.values()) if best_sim else 0.0
    return (np.asarray([best_sim.get(c or "", floor) for c in codes], dtype=np.float32),
            np.asarray([vote.get(c or "", 0.0) for c in codes], dtype=np.float32))


@dataclass(eq=False)
class LearnedScorer:
    """scikit-learn's estimator contract: hyper-parameters in ``__init__``, the learned state
    (``model_``, ``memory_``: the coded examples it reads at match time) set by ``fit`` or ``load``.
    The ranker is anchored on the hand-set fused score: ``alpha`` says how far the data may move it."""

    candidates: int = 50
    alpha: float = 1.0
    features: tuple[str, ...] = FEATURES
    model_: LinearRanking | ListwiseRanker = field(init=False, repr=False)
    sklearn_version_: str = field(init=False, repr=False)
    memory_: ExampleMemory | None = field(init=False, repr=False)

    def columns(self, X: np.ndarray) -> np.ndarray:
        """The feature columns this scorer was fitted on (older scorers know fewer)."""
        return X if tuple(self.features) == FEATURES else X[:, [FEATURES.index(f) for f in self.features]]

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> LearnedScorer:
        import sklearn

        from matcher.matching.listwise import ListwiseRanker

        if not np.asarray(y).any():
            raise ValueError("no training example has its occupation group among the candidates: nothing to learn from")
        self.model_ = ListwiseRanker(alpha=self.alpha, anchor=self.features.index("fused")).fit(self.columns(X), y, groups)
        self.sklearn_version_ = sklearn.__version__
        self.memory_ = None
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.model_.decision_function(self.columns(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """1 for candidates the scorer ranks above the fused score's own ordering would, else 0."""
        return (self.decision_function(X) > 0).astype(int)

    def occupation_scores(self, scorer: Scorer, sig: Signals) -> np.ndarray:
        """Candidates get the classifier's log-odds; every other occupation scores below them all."""
        order, X, fused = candidate_features(scorer, sig, self.candidates, getattr(self, "memory_", None))
        learned = self.decision_function(X).astype(np.float32)
        out = (fused - fused.max() + learned.min() - 1.0).astype(np.float32)
        out[order] = learned
        return out

    def save(self, path: Path) -> None:
        """Plain arrays (``.npz``), no pickle: loadable by any scikit-learn version, or none."""
        m = self.model_
        arrays: dict[str, Any] = {"mean": m.mean_, "scale": m.scale_, "coef": np.ravel(m.coef_),
                  "anchor": np.asarray(-1 if m.anchor is None else m.anchor), "features": np.asarray(self.features),
                  "candidates": np.asarray(self.candidates), "alpha": np.asarray(self.alpha),
                  "sklearn_version": np.asarray(self.sklearn_version_)}
        memory = getattr(self, "memory_", None)
        if memory is not None:
            arrays.update({f"memory_{k}": v for k, v in memory.to_arrays().items()})
        with open(path, "wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path: Path) -> LearnedScorer:
        with np.load(path, allow_pickle=False) as d:
            anchor = int(d["anchor"])
            memory = ExampleMemory.from_arrays({k[7:]: d[k] for k in d.files if k.startswith("memory_")}) \
                if "memory_vectors" in d.files else None
            out = cls(candidates=int(d["candidates"]), alpha=float(d["alpha"]), features=tuple(str(f) for f in d["features"]))
            out.model_ = LinearRanking(d["mean"], d["scale"], d["coef"], None if anchor < 0 else anchor)
            out.sklearn_version_, out.memory_ = str(d["sklearn_version"]), memory
            return out

    def weights(self) -> dict[str, float]:
        """Standardised coefficients per feature, added to the fused score: what the scorer learned."""
        coef = self.model_.coef_.ravel()
        return {f: round(float(c), 3) for f, c in zip(self.features, coef)}
