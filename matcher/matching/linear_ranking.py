"""A fitted listwise ranker's arithmetic on plain arrays: what serving reads (``reranker``) and what
training fits into (``listwise``), so that neither imports the other."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LinearRanking:
    """Serving needs no scikit-learn import (a second on a small machine) and no unpickling of code
    from the registry."""

    mean_: np.ndarray
    scale_: np.ndarray
    coef_: np.ndarray
    anchor: int | None

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        base = X[:, self.anchor] if self.anchor is not None else 0.0
        return base + ((X - self.mean_) / self.scale_) @ self.coef_
