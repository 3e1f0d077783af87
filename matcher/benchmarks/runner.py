"""Run a fitted matcher on a benchmark split and score it."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.benchmarks.evaluation import EvalFileError
from matcher.benchmarks.metrics import ranking_metrics, set_metrics
from matcher.benchmarks.sets import NARRATIVE, SETS, SKILL, BenchmarkDataError, BenchmarkSet, Query
from matcher.benchmarks.splits import REPORT, check_purpose
from matcher.matching.scoring import GROUPS_FIRST, MatchInputError, build_result, check_text

ProgressFn = Callable[[str, int, int], None]


@dataclass
class SetResult:
    name: str
    split: str
    metrics: dict
    notes: list[str]


def queries(name: str, split: str, benchmarks_dir: Path, eval_dir: Path | None, *, purpose: str = REPORT,
            limit: int | None = None) -> list[Query]:
    """The queries of one split. Tuning code passes ``purpose="tune"`` and is refused a report split.
    ``limit``: a fixed sample (by hash of the query id), the same every run."""
    check_purpose(split, purpose)
    try:
        loaded = SETS[name].load(Path(benchmarks_dir), Path(eval_dir) if eval_dir else None)
    except EvalFileError as exc:
        raise BenchmarkDataError(str(exc)) from None
    except (KeyError, ValueError) as exc:  # a CSV without the expected columns
        raise BenchmarkDataError(f"{name}: the files under {benchmarks_dir} are not in the expected format ({exc!r})") from None
    rows = [q for q in loaded if q.split == split]
    if limit is not None and len(rows) > limit:
        rows = sorted(rows, key=lambda q: hashlib.sha256(f"{name}:{q.id}".encode()).digest())[:limit]
    return rows


def _skill_uris_by_label(matcher) -> dict[str, str]:  # noqa: ANN001
    out: dict[str, str] = {}
    for uri, rec in matcher.taxonomy_.skills.items():
        label = rec.preferred.get("en")
        if label:
            out.setdefault(label.strip().lower(), uri)
    return out


def run_set(matcher, bset: BenchmarkSet, rows: list[Query], split: str, progress: ProgressFn | None = None,  # noqa: ANN001
            k: int = 10) -> SetResult:
    scorer, index = matcher.scorer_, matcher.index_
    notes: list[str] = []
    if bset.needs_language and bset.needs_language not in matcher.taxonomy_.languages:
        notes.append(f"the taxonomy has no {bset.needs_language} labels: import them (esco-extra) for a fair number")
    empty: list[Query] = []
    if bset.kind == SKILL and any(q.gold_labels for q in rows):
        by_label = _skill_uris_by_label(matcher)
        missing = 0
        for q in rows:
            q.gold = {by_label[x.lower()] for x in q.gold_labels if x.lower() in by_label}
            missing += len(q.gold_labels) - len(q.gold)
        if missing:
            notes.append(f"{missing} gold labels are not English preferred labels of this taxonomy: dropped")
        empty = [q for q in rows if not q.gold and not q.gold_labels]
        rows = [q for q in rows if q.gold]
    known = set(index.occupations.uris)
    if bset.kind not in (SKILL, NARRATIVE):
        absent = sum(1 for q in rows if not q.gold & known)
        if absent:
            notes.append(f"{absent} queries whose gold occupations are all absent from this taxonomy version (counted as misses)")
    ranked: list[list[str]] = []
    reported: list[set[str]] = []  # skills a match reports
    unreadable = 0
    for i, q in enumerate(rows):
        try:
            check_text(q.text, 100_000)
            sig = matcher.signals(q.text, q.language if q.language and q.language != "mixed" else None, bset.label_languages)
        except MatchInputError:  # a query of symbols only ("c++", "--"): the matcher refuses it, a miss
            unreadable += 1
            ranked.append([])
            reported.append(set())
            continue
        if bset.kind == SKILL:
            scores = scorer.skill_report_scores(sig)
            ranked.append([index.skills.uris[j] for j in np.argsort(-scores)[:k]])
            reported.append(_reported(scorer, sig))
        else:
            # narratives are listed as a person's match lists them; titles in score order, as a vacancy's
            groups = GROUPS_FIRST if bset.kind == NARRATIVE else 0
            order = scorer.occupation_order(scorer.occupation_scores(sig), k, groups)
            ranked.append([scorer.isco[o] for o in order] if bset.kind == NARRATIVE else [index.occupations.uris[o] for o in order])
        if progress:
            progress(bset.name, i + 1, len(rows))
    if unreadable:
        notes.append(f"{unreadable} queries without words the matcher accepts: counted as misses")
    metrics = {key: round(v, 4) for key, v in ranking_metrics(ranked, [q.gold for q in rows]).items()}
    if reported and len(reported) == len(rows):
        metrics.update(set_metrics(reported, [q.gold for q in rows]))
        if empty:  # sentences an annotator found no skill in: what a match still reports there
            extra = [len(_reported(scorer, matcher.signals(q.text, q.language))) for q in empty if _has_words(q.text)]
            metrics["reported_on_skill_less"] = round(float(np.mean(extra)), 3) if extra else 0.0
    return SetResult(bset.name, split, metrics, notes)


def _has_words(text: str) -> bool:
    try:
        check_text(text, 100_000)
        return True
    except MatchInputError:
        return False


def _reported(scorer, sig) -> set[str]:  # noqa: ANN001
    """The skills a match reports for the text, as the service builds its answer."""
    result = build_result(scorer, sig, scorer.occupation_scores(sig), None, 5, 15, "en")
    return {s.uri for s in result.skills}
