"""Benchmark: retraining from ESCO alone, and what it does to the dev set, in one run.

    python bench/train.py [--eval ../shared/eval/narratives_dev.jsonl] [--kinds scorer+head,scorer,head]
                          [--examples 1600] [--neutral]

Uses the active taxonomy and the configured encoder's index (SKILLMATCH_* settings). For the
serving (untrained) matcher and for each candidate trained from ESCO alone (no outcomes, the dev
set never seen in training), prints ISCO-4 hit@1/hit@5/MRR and ISCO-2 hit@1 per language group on
the evaluation file, the same on ESCO's held-out examples, the training time and the peak memory.
Candidates go into the model registry like any training (they do not serve unless promoted).
``--neutral`` also reports the fusion with every weight at 1 (no hand tuning at all).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.benchmarks.evaluation import evaluate_matcher as evaluate
from matcher.benchmarks.evaluation import read_narratives
from matcher.db.database import open_database
from matcher.matching.scoring import Weights
from matcher.registry.store import BUILTIN, Registry
from matcher.settings import get_settings
from matcher.taxonomy.in_memory import load_taxonomy
from matcher.training.run import TrainConfig, eval_name, load_model, train

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def rows(label: str, metrics: dict, extra: str = "") -> list[str]:
    out = []
    for g in ("all", "it", "non-it"):
        if g in metrics:
            m = metrics[g]
            out.append(f"| {label} | {g} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr']:.3f} "
                       f"| {m['isco2_hit@1']:.3f} | {extra} |")
            extra = ""
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default=str(SHARED / "narratives_dev.jsonl"))
    ap.add_argument("--kinds", default="scorer+head,scorer,head")
    ap.add_argument("--examples", type=int, default=1600)
    ap.add_argument("--neutral", action="store_true")
    args = ap.parse_args()
    s = get_settings()
    with open_database(s, migrate=False)() as db:
        tax = load_taxonomy(db)
    name = eval_name(args.eval)
    narratives = read_narratives(Path(args.eval))
    registry = Registry(s.registry_dir)
    serving = registry.serving()
    base = load_model(s, tax, serving, registry)
    t0 = time.perf_counter()
    before = evaluate(base, narratives)
    per_text = (time.perf_counter() - t0) / len(narratives)
    table = ["| model | group | n | hit@1 | hit@5 | MRR | ISCO-2 hit@1 | train s / peak RSS MB |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    table += rows(f"{serving} (serving, untrained)", before, f"— / {per_text * 1000:.0f} ms per text")
    if args.neutral:
        base.scorer_.set_weights(Weights(dense=1, lexical=1, coverage=1, description=1, skills=1, foreign_skills=1, group_smoothing=0))
        table += rows("fusion with all weights 1 (no tuning)", evaluate(base, narratives))
    held = {}
    for kind in [k for k in args.kinds.split(",") if k]:
        t1 = time.perf_counter()
        info = train(s, tax, TrainConfig(kind=kind, encoder=s.encoder, scorer_examples=args.examples, eval_file=args.eval),
                     created_by="bench/train.py",
                     progress=lambda stage, d, t, kind=kind: print(f"\r{kind}: {stage} {d}/{t}   ", end="", file=sys.stderr, flush=True))
        print(file=sys.stderr)
        secs = time.perf_counter() - t1
        table += rows(f"{info.id} (from ESCO)", info.metrics[name],
                      f"{info.params['train_seconds']:.0f} s train, {secs:.0f} s with evaluation / {info.params['peak_rss_mb']:.0f}")
        held[info.id] = info.metrics
    print(f"\n## dev set: {name} ({len(narratives)} narratives)\n")
    print("\n".join(table))
    print("\n## ESCO held-out examples (occupations never trained on), all languages\n")
    print("| model | set | n | hit@1 | hit@5 | MRR |\n|---|---|---:|---:|---:|---:|")
    serving_metrics = registry.get(serving).metrics if serving != BUILTIN else registry.builtin_metrics()
    for mid, metrics in [(serving, serving_metrics), *held.items()]:
        for setname in ("esco-titles-heldout", "esco-skills-heldout", "esco-train-sample"):
            if setname in metrics:
                m = metrics[setname]["all"]
                print(f"| {mid} | {setname} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr']:.3f} |")
    print(f"\npeak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
