"""Benchmark table: the same as `skillmatch benchmark`, as markdown, optionally for a weights variant.

    python bench/benchmarks.py                       # report splits, the serving model
    python bench/benchmarks.py --split tune --set dense_same_language=true   # a choice, made on tune splits

Uses the settings (SKILLMATCH_DATA_DIR, SKILLMATCH_MODEL_DIR) and the index built by `skillmatch
index build`. A variant (--set NAME=VALUE, a field of matcher.matching.scoring.Weights) may be measured on
the tune splits to choose it; the report splits only say what the chosen model does.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from matcher.benchmarks.report import DEFAULT_SETS, markdown, run_benchmarks, table_rows
    from matcher.benchmarks.sets import SETS
    from matcher.db.database import open_database
    from matcher.matching.matcher import SkillMatcher
    from matcher.settings import get_settings
    from matcher.taxonomy.in_memory import load_taxonomy

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="*", default=DEFAULT_SETS)
    ap.add_argument("--split", default="report", choices=["report", "tune"])
    ap.add_argument("--benchmarks", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--set", dest="overrides", action="append", default=[], help="NAME=VALUE of a Weights field")
    args = ap.parse_args()
    unknown = [n for n in args.sets if n not in SETS]
    if unknown:
        ap.error(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(SETS)}")

    s = get_settings()
    with open_database(s)() as db:
        taxonomy = load_taxonomy(db)
    m = SkillMatcher(encoder=s.encoder, registry_dir=s.registry_dir, build_if_missing=False).fit(taxonomy)
    if args.overrides:
        w = m.scorer_.w
        changes = {}
        for item in args.overrides:
            name, _, value = item.partition("=")
            kind = type(getattr(w, name))
            changes[name] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
        m.scorer_.set_weights(dataclasses.replace(w, **changes))
    t0 = time.perf_counter()
    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % 200 == 0:
            print(f"{stage}: {done}/{total} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)

    results = run_benchmarks(m, args.sets, args.split, args.benchmarks, args.eval_dir, args.limit, progress)
    print(f"\n{m.model_version} · {args.split} splits · {' '.join(args.overrides) or 'as configured'} · "
          f"{time.perf_counter() - t0:.0f} s\n")
    print(markdown(table_rows(results, args.benchmarks)))
    for r in results:
        for note in r.notes:
            print(f"- {r.name}: {note}")


if __name__ == "__main__":
    main()
