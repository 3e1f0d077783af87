"""A learned scorer that replaces the hand-set fusion weights.

The fused score still picks the ``candidates`` best occupations (cheap, and recall@50 is near
perfect); a scikit-learn classifier then re-orders them from per-candidate features: the
standardised signals, the fused score and rank, ISCO-group support, and whether the skills
evidenced in the text belong to the candidate. Trained on examples from ESCO (and outcomes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator

from ..matching import Scorer, Signals

FEATURES = ("dense", "description", "lexical", "coverage", "skills", "fused", "gap_to_best", "log_rank",
            "group_support", "raw_dense", "skills_agree", "group_share", "native", "log_essential")


def candidate_features(scorer: Scorer, sig: Signals, candidates: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidate occupation positions, their features, the fused scores of all occupations)."""
    comp = scorer.components(sig)
    fused = scorer.fused(sig, comp)
    order = np.argsort(-fused)[:candidates]
    top_skills = np.argsort(-scorer.skill_report_scores(sig))[:10]
    rel = (scorer.essential[order][:, top_skills] + scorer.optional[order][:, top_skills]).toarray()
    agree = (rel > 0).mean(axis=1)
    codes3 = [(scorer.isco[o] or "")[:3] for o in order[:10]]
    share = np.asarray([codes3.count((scorer.isco[o] or "")[:3]) / 10.0 for o in order])
    raw = sig.occ_dense.max(axis=0)[order] if sig.occ_dense is not None else np.zeros(len(order))
    support = scorer._group_support(fused)[order]
    n_ess = np.asarray(scorer.essential[order].sum(axis=1)).ravel()
    X = np.column_stack([
        comp["dense"][order], comp["description"][order], comp["lexical"][order], comp["coverage"][order],
        comp["skills"][order], fused[order], fused[order] - fused[order[0]], np.log1p(np.arange(len(order))),
        support, raw, agree, share, np.full(len(order), float(sig.native)), np.log1p(n_ess),
    ]).astype(np.float32)
    return order, X, fused


class ListwiseRanker(BaseEstimator):
    """A linear ranker trained listwise (a conditional logit over each query's candidates): it
    maximises the probability mass that a softmax over the candidates puts on the right ones.
    Unlike a pointwise classifier it does not favour queries with many right candidates (large
    ISCO groups), and only differences between candidates of one query matter."""

    def __init__(self, alpha: float = 1e-3, max_iter: int = 500, anchor: int | None = None):
        self.alpha = alpha
        self.max_iter = max_iter
        # ``anchor``: a feature column (the hand-set fused score) kept as a fixed offset, so that the
        # penalty pulls the ranker towards the untrained ordering rather than towards no ordering
        self.anchor = anchor

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> ListwiseRanker:  # noqa: N803
        from scipy.optimize import minimize

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y).astype(bool)
        groups = np.asarray(groups)
        order = np.argsort(groups, kind="stable")
        X, y, groups = X[order], y[order], groups[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        gi = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(groups)]))
        has_pos = np.add.reduceat(y.astype(np.int64), starts) > 0
        if not has_pos.any():
            raise ValueError("no query has a right candidate: nothing to learn from")
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
        Z = (X - self.mean_) / self.scale_
        base = X[:, self.anchor] if self.anchor is not None else np.zeros(len(X))
        n = int(has_pos.sum())
        valid = has_pos[gi]

        def lse(v: np.ndarray) -> np.ndarray:
            mx = np.maximum.reduceat(v, starts)
            mx = np.where(np.isfinite(mx), mx, 0.0)
            return mx + np.log(np.maximum(np.add.reduceat(np.exp(v - mx[gi]), starts), 1e-300))

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            sc = base + Z @ w
            all_ = lse(sc)
            pos = lse(np.where(y, sc, -np.inf))
            value = float((all_ - pos)[has_pos].sum() / n + self.alpha * w @ w)
            # exp only where it is used: a query with no right candidate has pos = -inf
            d = (np.exp(sc - all_[gi]) - np.exp(np.where(y & valid, sc - np.where(valid, pos[gi], 0.0), -np.inf))) * valid
            return value, Z.T @ d / n + 2 * self.alpha * w

        res = minimize(loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": self.max_iter})
        self.coef_ = res.x
        self.n_queries_ = n
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        X = np.asarray(X, dtype=np.float64)
        base = X[:, self.anchor] if self.anchor is not None else 0.0
        return base + ((X - self.mean_) / self.scale_) @ self.coef_


@dataclass
class LearnedScorer:
    """scikit-learn style: hyper-parameters here, learned state in ``model_`` after ``fit``. The
    ranker is anchored on the hand-set fused score: ``alpha`` says how far the data may move it."""

    candidates: int = 50
    alpha: float = 1.0
    features: tuple[str, ...] = FEATURES
    model_: object = field(default=None, repr=False)
    sklearn_version_: str = ""

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> LearnedScorer:  # noqa: N803
        import sklearn

        if not np.asarray(y).any():
            raise ValueError("no training example has its occupation group among the candidates: nothing to learn from")
        self.model_ = ListwiseRanker(alpha=self.alpha, anchor=self.features.index("fused")).fit(X, y, groups)
        self.sklearn_version_ = sklearn.__version__
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        return self.model_.decision_function(X)

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """1 for candidates the scorer ranks above the fused score's own ordering would, else 0."""
        return (self.decision_function(X) > 0).astype(int)

    def occupation_scores(self, scorer: Scorer, sig: Signals) -> np.ndarray:
        """Candidates get the classifier's log-odds; every other occupation scores below them all."""
        order, X, fused = candidate_features(scorer, sig, self.candidates)
        learned = self.decision_function(X).astype(np.float32)
        out = (fused - fused.max() + learned.min() - 1.0).astype(np.float32)
        out[order] = learned
        return out

    def weights(self) -> dict[str, float]:
        """Standardised coefficients per feature, added to the fused score: what the scorer learned."""
        coef = self.model_.coef_.ravel()
        return {f: round(float(c), 3) for f, c in zip(self.features, coef)}


def training_matrix(matcher, examples, candidates: int = 50, progress=None):  # noqa: ANN001, ANN201
    """Features and labels of the candidates of every example; a candidate is right when its ISCO-4
    group is the example's (the level operators and the evaluation work at). Examples whose group
    is not among the candidates still teach what the wrong ones look like."""
    scorer = matcher.scorer_
    Xs, ys, qid = [], [], []
    for i, ex in enumerate(examples):
        sig = matcher.signals(ex.text, ex.language if ex.language in ("it", "en") else None)
        order, X, _ = candidate_features(scorer, sig, candidates)
        ok = set(ex.accepted) or {ex.isco}
        y = np.asarray([scorer.isco[o] in ok for o in order], dtype=np.int8)
        if not ex.positive:  # a rejected suggestion: only that occupation's group is known to be wrong
            keep = y.astype(bool)
            X, y = X[keep], np.zeros(int(keep.sum()), dtype=np.int8)
        Xs.append(X)
        ys.append(y)
        qid.append(np.full(len(y), i))
        if progress:
            progress(i + 1, len(examples))
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(qid)
