"""Fit the needs_review thresholds of an index on an evaluation set.

SOCcer's pattern: send a case to an expert when the best score is low or a different group is
close behind. Here both thresholds are chosen to flag as many wrong top-1 suggestions and as few
right ones as possible (maximising flagged-wrong rate minus flagged-right rate, Youden's J).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher.benchmarks.evaluation import Narrative
from matcher.matching.matcher import SkillMatcher


def review_points(matcher: SkillMatcher, narratives: list[Narrative]) -> list[tuple[float, float, bool]]:
    scorer = matcher.scorer_
    points = []
    for n in narratives:
        occ = scorer.occupation_scores(matcher.signals(n.text))
        order = np.argsort(-occ)
        top_code = scorer.isco[order[0]]
        nxt = next((occ[o] for o in order[1:50] if scorer.isco[o] != top_code), occ[order[0]])
        points.append((float(occ[order[0]]), float(occ[order[0]] - nxt), top_code in n.isco))
    return points


def fit_review_thresholds(points: list[tuple[float, float, bool]]) -> tuple[float, float, dict]:
    wrong = sum(1 for p in points if not p[2])
    right = len(points) - wrong
    if wrong == 0 or right == 0:
        raise ValueError("calibration needs both right and wrong top-1 suggestions in the evaluation set")
    scores = sorted({p[0] for p in points})
    margins = sorted({p[1] for p in points})
    cand_s = [scores[0] - 1e-6] + [(a + b) / 2 for a, b in zip(scores, scores[1:])]
    cand_m = [margins[0] - 1e-6] + [(a + b) / 2 for a, b in zip(margins, margins[1:])]
    best = (-2.0, 0.0, 0.0)
    for ts in cand_s:
        for tm in cand_m:
            flagged = [(p[0] < ts or p[1] < tm) for p in points]
            fw = sum(f and not p[2] for f, p in zip(flagged, points)) / wrong
            fr = sum(f and p[2] for f, p in zip(flagged, points)) / right
            j = fw - fr
            if j > best[0] + 1e-9:
                best = (j, ts, tm)
    j, ts, tm = best
    flagged = [(p[0] < ts or p[1] < tm) for p in points]
    stats = {"narratives": len(points), "wrong_top1": wrong, "flagged": sum(flagged),
             "flagged_wrong": sum(f and not p[2] for f, p in zip(flagged, points)),
             "flagged_right": sum(f and p[2] for f, p in zip(flagged, points)), "youden_j": round(j, 3)}
    return round(ts, 3), round(tm, 3), stats


def calibrate(matcher: SkillMatcher, narratives: list[Narrative]) -> dict:
    ts, tm, stats = fit_review_thresholds(review_points(matcher, narratives))
    weights = replace(matcher.scorer_.w, review_min_score=ts, review_min_margin=tm)
    matcher.save_weights(weights, {"review": stats})
    return {"review_min_score": ts, "review_min_margin": tm, **stats}
