"""Fit the skill decision (matcher.matching.skill_decision) on the tune splits of the skill sets.

Only tune splits are read (the harness refuses a report split to tuning code): the tune part of the
dev skills and the Decorte validation files, whose sentences without any skill teach that zero
skills is a frequent answer. The fitted decision is kept with the index.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from matcher.benchmarks.runner import _skill_uris_by_label, queries
from matcher.benchmarks.sets import SETS, SKILL
from matcher.benchmarks.splits import TUNE
from matcher.matching.scoring import MatchInputError
from matcher.matching.skill_decision import SkillDecision, candidate_features

DEFAULT_SETS = ("skills-dev", "decorte-tech", "decorte-house")
DECISION_FILE = "skill_decision.json"


def decision_matrix(matcher, rows, progress: Callable[[int, int], None] | None = None):  # noqa: ANN001, ANN201
    """Features and labels of every candidate skill of every text, the text of each row, and per
    text how many gold skills were no candidate at all (misses no threshold can recover)."""
    scorer = matcher.scorer_
    Xs, ys, qs = [], [], []
    missed = np.zeros(len(rows))
    for i, q in enumerate(rows):
        try:
            sig = matcher.signals(q.text, q.language if q.language and q.language != "mixed" else None)
        except MatchInputError:
            missed[i] = len(q.gold)
            continue
        top = np.argsort(-scorer.occupation_scores(sig))[:5]
        order, X = candidate_features(scorer, sig, top)
        uris = [matcher.index_.skills.uris[k] for k in order]
        y = np.asarray([u in q.gold for u in uris], dtype=np.int8)
        missed[i] = len(q.gold - set(uris))
        Xs.append(X)
        ys.append(y)
        qs.append(np.full(len(y), i))
        if progress:
            progress(i + 1, len(rows))
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(qs), missed


def tune_rows(matcher, names: list[str], benchmarks_dir: Path, eval_dir: Path):  # noqa: ANN001, ANN201
    """The tune texts of the sets, and the set each text comes from."""
    rows, origin = [], []
    by_label = None
    for name in names:
        if name not in SETS or SETS[name].kind != SKILL:
            raise ValueError(f"{name!r} is not a skill set: choose from {', '.join(n for n, b in SETS.items() if b.kind == SKILL)}")
        part = queries(name, TUNE, benchmarks_dir, eval_dir, purpose=TUNE)
        if any(q.gold_labels for q in part):
            by_label = by_label or _skill_uris_by_label(matcher)
            for q in part:
                q.gold = {by_label[x.lower()] for x in q.gold_labels if x.lower() in by_label}
        rows += part
        origin += [name] * len(part)
    return rows, np.asarray(origin)


def calibrate_skills(matcher, names: list[str], benchmarks_dir: Path, eval_dir: Path,  # noqa: ANN001
                     progress: Callable[[str, int, int], None] | None = None) -> SkillDecision:
    rows, origin = tune_rows(matcher, names, benchmarks_dir, eval_dir)
    X, y, q, missed = decision_matrix(matcher, rows, (lambda d, t: progress("skill candidates", d, t)) if progress else None)
    if not y.any():
        raise ValueError("no gold skill is among the candidates of the tune texts: nothing to calibrate on")
    # every set weighs the same: a set of a few narratives is not outweighed by one of many sentences
    per_text = {name: 1.0 / max(1, int((origin == name).sum())) for name in set(origin)}
    text_weight = np.asarray([per_text[o] for o in origin]) * len(rows) / max(1, len(per_text))
    w = text_weight[q]
    decision = SkillDecision().fit(X, y, q, sample_weight=w)
    f1 = decision.choose_threshold(X, y, q, float((missed * text_weight).sum()), sample_weight=w)
    decision.fitted_on_ = {"sets": list(names), "split": TUNE, "texts": len(rows), "candidates": int(len(y)),
                           "positives": int(y.sum()), "gold_not_candidates": int(missed.sum()),
                           "weighting": "each set weighs the same", "tune_weighted_micro_f1": round(f1, 4),
                           "encoder": matcher.index_.meta["encoder"], "encoder_version": matcher.index_.meta["encoder_version"],
                           "skills": len(matcher.index_.skills.uris)}
    return decision
