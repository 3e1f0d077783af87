"""The harness: run the chosen sets on a matcher, one table with the published numbers beside ours,
and the results kept in the model registry next to `evaluate`'s."""
from __future__ import annotations

from pathlib import Path

from matcher.benchmarks.published import published
from matcher.benchmarks.runner import ProgressFn, SetResult, queries, run_set
from matcher.benchmarks.sets import NARRATIVE, SETS, SKILL

DEFAULT_SETS = ["melo-ita-it", "melo-ita-en", "melo-fra", "melo-esp", "melo-rou", "cp2011", "decorte-tech", "decorte-house",
                "decorte-techwolf", "jobbert", "narratives-dev", "skills-dev"]
JOBBERT_SAMPLE = 2000  # of 15,463 test titles: a fixed hash sample keeps a run within minutes on 2 cores


def run_benchmarks(matcher, names: list[str], split: str, benchmarks_dir: Path, eval_dir: Path | None,  # noqa: ANN001
                   limit: int | None = None, progress: ProgressFn | None = None) -> list[SetResult]:
    results = []
    for name in names:
        bset = SETS[name]
        cap = limit if limit is not None else (JOBBERT_SAMPLE if name == "jobbert" else None)
        rows = queries(name, split, benchmarks_dir, eval_dir, limit=cap)
        if not rows:
            results.append(SetResult(name, split, {"n": 0}, [f"{name} has no {split} split"]))
            continue
        res = run_set(matcher, bset, rows, split, progress)
        if cap is not None and len(rows) == cap:
            res.notes.append(f"a fixed hash sample of {cap} queries")
        results.append(res)
    return results


def table_rows(results: list[SetResult], benchmarks_dir: Path) -> list[list[str]]:
    """set, split, n, acc@1, acc@5, MRR, RP@5, published (metric value who)."""
    rows = []
    for r in results:
        m = r.metrics
        if not m.get("n"):
            rows.append([r.name, r.split, "0", "", "", "", "", "", "; ".join(r.notes)])
            continue
        skill = SETS[r.name].kind == SKILL
        pub = "; ".join(f"{metric} {value:.3f} ({who})" for metric, value, who in published(r.name, benchmarks_dir)) or "—"
        rows.append([r.name + (" (ISCO-4)" if SETS[r.name].kind == NARRATIVE else ""), r.split, str(m["n"]),
                     "" if skill else f"{m['acc@1']:.3f}", "" if skill else f"{m['acc@5']:.3f}", f"{m['mrr']:.3f}",
                     f"{m['rp@5']:.3f}" if skill else "",
                     (f"{m['set_p']:.2f}/{m['set_r']:.2f}/{m['set_f1']:.2f} ({m['reported_per_text']:.1f}"
                      + (f"; {m['reported_on_skill_less']:.1f} on texts with none" if "reported_on_skill_less" in m else "") + ")")
                     if "set_f1" in m else "",
                     pub])
    return rows


HEADER = ["set", "split", "n", "acc@1", "acc@5", "MRR", "RP@5", "reported P/R/F1 (per text)", "published (same set)"]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
