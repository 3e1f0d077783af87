"""The listwise ranker that the learned scorer fits: a scikit-learn estimator (``fit`` with the
candidates of every query, ``decision_function``); what it learns is saved as plain arrays (see
``reranker.LearnedScorer.save``), so serving never imports it."""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from matcher.matching.linear_ranking import LinearRanking  # the same arithmetic serves the saved arrays


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

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> ListwiseRanker:
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

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return LinearRanking(self.mean_, self.scale_, self.coef_, self.anchor).decision_function(X)
