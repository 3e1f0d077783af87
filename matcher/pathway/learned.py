"""The validation-pathway estimator learned from recorded outcomes.

A labelled row is one suggested occupation whose pathway facts were recorded with the match
(coverage, documented coverage, documents, years) and whose decision trail ended in
certification (``certifiable``), validated skills (``internship_validation``) or a drop-out
(``training``). A shallow decision tree keeps the learned rule readable; it replaces the rules
only once enough outcomes exist, and only through promotion like any model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.pathway.rules import PATHWAYS, PathwayRules, pathway_features
from matcher.people.models import Decision, MatchRecord

if TYPE_CHECKING:
    from sklearn.tree import DecisionTreeClassifier

MIN_OUTCOMES = 30
LABELS = {"certified": "certifiable", "skills_validated": "internship_validation", "dropped": "training"}


class TooFewOutcomes(ValueError):
    """Not enough recorded outcomes to learn from; the message says how many are needed."""


def too_few(count: int) -> TooFewOutcomes:
    return TooFewOutcomes(f"the pathway estimator needs at least {MIN_OUTCOMES} recorded outcomes (a suggestion "
                          f"followed by certified, skills_validated or dropped); there are {count}")


def outcome_rows(session: Session, before=None) -> tuple[np.ndarray, np.ndarray, list]:  # noqa: ANN001
    """Features, labels and dates of the final outcome per (match, occupation); no person data."""
    # whole match rows: the stored pathways hold evidence spans, sealed, opened as the rows load
    q = (select(Decision.match_id, Decision.target_uri, Decision.status, Decision.recorded_at, MatchRecord)
         .join(MatchRecord, MatchRecord.id == Decision.match_id)
         .where(Decision.target_kind == "occupation", Decision.status.in_(list(LABELS)))
         .order_by(Decision.recorded_at, Decision.id))
    if before is not None:
        q = q.where(Decision.recorded_at < before)
    final: dict[tuple[int, str], tuple] = {}
    for match_id, uri, status, at, match in session.execute(q):
        p = (match.pathways or {}).get(uri)
        if p:
            final[(match_id, uri)] = (pathway_features(p["coverage"], p["documented_coverage"], p["documented"],
                                                       p.get("years_experience")), LABELS[status], at)
    rows = list(final.values())
    X = np.asarray([r[0] for r in rows], dtype=float).reshape(len(rows), 4)
    return X, np.asarray([r[1] for r in rows]), [r[2] for r in rows]


@dataclass(eq=False)
class LearnedPathway(PathwayRules):
    """Same interface as the rules (``predict`` over ``pathway_features`` rows); the thresholds kept
    from the rules only word the reasons."""

    max_depth: int = 3
    min_samples_leaf: int = 3
    # learned by fit, never set in __init__ (scikit-learn's estimator contract)
    tree_: DecisionTreeClassifier = field(init=False, repr=False)
    classes_: list = field(init=False, repr=False)
    sklearn_version_: str = field(init=False, repr=False)

    def fit(self, X: np.ndarray | list | None = None, y: np.ndarray | list | None = None) -> LearnedPathway:
        import sklearn
        from sklearn.tree import DecisionTreeClassifier

        y = np.asarray(y)
        if len(y) < 2 * self.min_samples_leaf:
            raise too_few(len(y))
        if len(set(y.tolist())) < 2:
            raise TooFewOutcomes(f"all {len(y)} recorded outcomes are {y[0]!r}: outcomes of at least two pathways are needed")
        self.tree_ = DecisionTreeClassifier(max_depth=self.max_depth, min_samples_leaf=self.min_samples_leaf, random_state=0)
        self.tree_.fit(np.asarray(X, dtype=float), y)
        self.classes_ = [str(c) for c in self.tree_.classes_]
        self.sklearn_version_ = sklearn.__version__
        return self

    def predict(self, X: np.ndarray | list) -> np.ndarray:
        out = self.tree_.predict(np.asarray(X, dtype=float))
        return np.asarray([c if c in PATHWAYS else "training" for c in out])


def pathway_accuracy(model: LearnedPathway | PathwayRules, X: np.ndarray | list, y: np.ndarray | list) -> float:
    return float((np.asarray(model.predict(X)) == np.asarray(y)).mean()) if len(y) else 0.0
