"""Which skills a text gives evidence for: a calibrated yes/no per candidate skill, not a fixed top 15.

Every candidate (the best-scoring skills of a text) gets features from the signals (its best
per-unit standardised similarity, raw cosine, character n-gram overlap, its rank and gap to the
best, whether ESCO relates it to the text's likeliest occupations, what kind of skill it is) and a
logistic regression turns them into the probability that an expert would accept it. A skill is
reported when that probability passes a threshold chosen for the best F1 on validation data; no
skill passing it is a valid answer (a text that shows none). Fitted by ``skillmatch index
calibrate-skills`` on validation parts only (part of the dev skills and the Decorte validation
files); the fitted numbers are a few floats kept as JSON with the index, or shipped in ``models/``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FEATURES = ("z", "raw", "lexical", "gap_to_best", "log_rank", "related", "knowledge", "transversal",
            "cross_sector", "occupation_specific", "native", "finest_unit")
CANDIDATES = 30
REUSE = {"transversal": 7, "cross-sector": 8, "occupation-specific": 9}
_LEVEL = {"clause": 0.0, "pair": 0.33, "sentence": 0.67, "text": 1.0}


def candidate_features(scorer, sig, top_occupations, report: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """(candidate skill positions, their features): the best ``CANDIDATES`` skills by report score
    plus the related-skill bonus, as the ranking before this model had them. ``report``:
    ``scorer.skill_report_scores(sig)``, when the caller has it already."""
    report = scorer.skill_report_scores(sig) if report is None else report
    related = scorer.related_skills(top_occupations)
    ranked = scorer.skill_scores(report, top_occupations, related)
    order = np.argsort(-ranked)
    # language skills of languages the text does not name are no candidates, and take no place of one
    order = order[ranked[order] > -1e5][:CANDIDATES]
    X = np.zeros((len(order), len(FEATURES)), dtype=np.float32)
    if not len(order):
        return order, X
    raw = sig.skill_dense.max(axis=0) if sig.skill_dense is not None else np.zeros(len(report))
    lex = sig.skill_lex.max(axis=0)
    per_unit = sig.skill_z if sig.skill_z is not None else sig.skill_lex
    X[:, 0] = report[order]
    X[:, 1] = raw[order]
    X[:, 2] = lex[order]
    X[:, 3] = report[order] - report[order[0]]
    X[:, 4] = np.log1p(np.arange(len(order)))
    X[:, 5] = related[order]
    tax, uris = scorer.taxonomy, scorer.index.skills.uris
    for i, k in enumerate(order):
        rec = tax.skills[uris[k]]
        X[i, 6] = rec.skill_type == "knowledge"
        if rec.reuse_level in REUSE:
            X[i, REUSE[rec.reuse_level]] = 1.0
        X[i, 11] = _LEVEL.get(sig.units[int(np.argmax(per_unit[:, k]))].level, 1.0)
    X[:, 10] = float(sig.native)
    return order, X


@dataclass(eq=False)
class SkillDecision:
    """scikit-learn's estimator contract: ``__init__`` sets the hyper-parameters only; the fitted
    state (ending in ``_``) is set by ``fit`` (or read back by ``from_json``)."""

    C: float = 1.0
    max_reported: int = 15
    coef_: np.ndarray = field(init=False, repr=False)
    intercept_: float = field(init=False, repr=False)
    mean_: np.ndarray = field(init=False, repr=False)
    scale_: np.ndarray = field(init=False, repr=False)
    threshold_: float = field(init=False, repr=False)
    fitted_on_: dict = field(init=False, repr=False)

    def fit(self, X: np.ndarray, y: np.ndarray, queries: np.ndarray, sample_weight: np.ndarray | None = None) -> SkillDecision:
        """``queries``: the text each row comes from; ``sample_weight``: so that a set of many short
        sentences does not outweigh a set of a few narratives."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
        model = LogisticRegression(C=self.C, max_iter=2000).fit((X - self.mean_) / self.scale_, y, sample_weight=sample_weight)
        self.coef_ = model.coef_.ravel()
        self.threshold_, self.fitted_on_ = 0.5, {}
        self.intercept_ = float(model.intercept_[0])
        return self

    def choose_threshold(self, X: np.ndarray, y: np.ndarray, queries: np.ndarray, missed: float = 0,
                         sample_weight: np.ndarray | None = None) -> float:
        """The probability threshold with the best (weighted) micro-F1, the cap of ``max_reported`` applied;
        ``missed``: the (weighted) gold skills that were no candidate."""
        p = self.predict_proba(X)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        best = (-1.0, 0.5)
        for t in np.unique(np.round(p, 3)):
            chosen = self._capped(p >= t, p, queries)
            tp = float(w[chosen & (y > 0)].sum())
            fp = float(w[chosen & (y == 0)].sum())
            fn = float(w[(~chosen) & (y > 0)].sum()) + missed
            f1 = 2 * tp / max(1, 2 * tp + fp + fn)
            if f1 > best[0] + 1e-9:
                best = (f1, float(t))
        self.threshold_ = best[1]
        return best[0]

    def _capped(self, chosen: np.ndarray, p: np.ndarray, queries: np.ndarray) -> np.ndarray:
        out = chosen.copy()
        for q in np.unique(queries):
            idx = np.flatnonzero((queries == q) & chosen)
            if len(idx) > self.max_reported:
                out[idx[np.argsort(-p[idx])[self.max_reported:]]] = False
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        z = ((np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def decide(self, X: np.ndarray) -> np.ndarray:
        """Rows (in the candidates' order) to report: probability over the threshold, at most ``max_reported``."""
        p = self.predict_proba(X)
        keep = np.flatnonzero(p >= self.threshold_)
        return keep[np.argsort(-p[keep])][: self.max_reported]

    # ---- persistence: a few floats, as JSON (readable, and safe to load unlike a pickle) ----------
    def to_json(self) -> dict:
        return {"features": list(FEATURES), "C": self.C, "max_reported": self.max_reported, "coef": self.coef_.tolist(),
                "intercept": self.intercept_, "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "threshold": self.threshold_, "fitted_on": self.fitted_on_}

    @classmethod
    def from_json(cls, d: dict) -> SkillDecision:
        if d.get("features") != list(FEATURES):
            raise ValueError("skill decision fitted on other features: calibrate it again (skillmatch index calibrate-skills)")
        out = cls(C=d["C"], max_reported=d["max_reported"])
        out.coef_, out.intercept_ = np.asarray(d["coef"]), float(d["intercept"])
        out.mean_, out.scale_ = np.asarray(d["mean"]), np.asarray(d["scale"])
        out.threshold_, out.fitted_on_ = float(d["threshold"]), d.get("fitted_on", {})
        return out

    @classmethod
    def load(cls, path: Path) -> SkillDecision:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        tmp.replace(path)
