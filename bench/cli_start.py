"""Benchmark: a one-off `skillmatch match "..."` in a cold process (the disk cache warm), as an
operator's script or a shell user runs it. Prints wall time and peak memory per run and their
median, min and max.

    python bench/cli_start.py --runs 7
    python bench/cli_start.py --runs 7 --model builtin

Uses the settings (SKILLMATCH_DATA_DIR, SKILLMATCH_MODEL_DIR) and the index `skillmatch index
build` made; the first run is reported apart (it warms the disk cache and may write the taxonomy
snapshot).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

TEXT = "Ho lavorato due anni in una pizzeria a Tunisi: stendevo la pasta, preparavo le pizze e gestivo il forno a legna."


def one(model: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "matcher", "match", TEXT, "--model", model], capture_output=True, text=True,
                          env=os.environ)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"skillmatch match failed:\n{proc.stdout}{proc.stderr}")
    # ru_maxrss of children is the largest child so far: equal runs give equal peaks
    return wall, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--model", default="serving", help="serving, builtin or a registry id")
    args = ap.parse_args()
    first, peak = one(args.model)
    walls = []
    for _ in range(args.runs):
        wall, peak = one(args.model)
        walls.append(wall)
    print(f"one-off `skillmatch match` ({args.model}), {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')}")
    print("| runs | first (cold cache) s | median s | min s | max s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(walls)} | {first:.2f} | {statistics.median(walls):.2f} | {min(walls):.2f} | {max(walls):.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
