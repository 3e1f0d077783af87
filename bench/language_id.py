"""Benchmark: the language guess (matcher.matching.langid) against the narratives' own language.

    python bench/language_id.py [--eval ../shared/eval/narratives_train.jsonl]

Reads the narratives written in one language (a ``lang`` such as ``it+en`` is left out) and prints
accuracy per language and overall, the confusions, and the time per text. The training narratives
are the default: the dev narratives are kept for reporting matching quality.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.matching.langid import DETECTED, guess_language


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", type=Path, default=Path("../shared/eval/narratives_train.jsonl"))
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.eval.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("lang") and "+" not in r["lang"]]
    guess_language("warm up")  # models load on first use
    start = time.perf_counter()
    guesses = [guess_language(r["text"]) for r in rows]
    per_text_ms = 1000 * (time.perf_counter() - start) / max(len(rows), 1)
    total, right = Counter(), Counter()
    confusions = Counter()
    for r, g in zip(rows, guesses):
        total[r["lang"]] += 1
        right[r["lang"]] += g == r["lang"]
        if g != r["lang"]:
            confusions[(r["lang"], g)] += 1
    print(f"{args.eval.name}: {len(rows)} single-language narratives; languages the guess knows: {' '.join(DETECTED)}")
    print(f"{'language':<10}{'n':>6}{'accuracy':>10}")
    for lang, n in total.most_common():
        print(f"{lang:<10}{n:>6}{right[lang] / n:>10.3f}")
    print(f"{'all':<10}{len(rows):>6}{sum(right.values()) / max(len(rows), 1):>10.3f}")
    print("confusions (gold -> guess):", ", ".join(f"{a}->{b}: {n}" for (a, b), n in confusions.most_common()) or "none")
    print(f"{per_text_ms:.2f} ms a text; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
