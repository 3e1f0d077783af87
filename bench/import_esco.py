"""Benchmark: import the full ESCO bundle (Italian + English) on SQLite and PostgreSQL.

    python bench/import_esco.py --esco ../shared/data/esco [--pg-url postgresql+psycopg://...]

Each import runs in a fresh subprocess (so peak memory is that of the import alone) into an
empty database, and prints a table: wall time, rows per second, peak resident memory.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CHILD = """
import json, sys, time, resource
from pathlib import Path
from matcher.db.database import open_database
from matcher.settings import load_settings
from matcher.taxonomy.esco_import import import_bundle
s = load_settings(database_url=sys.argv[1])
factory = open_database(s)
t0 = time.perf_counter()
with factory() as session:
    r = import_bundle(session, [Path(p) for p in sys.argv[2:]], release="bench")
secs = time.perf_counter() - t0
rows = sum(v for k, v in r.counts.items() if k not in ("essential", "optional"))
print(json.dumps({"seconds": secs, "rows": rows, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(url: str, paths: list[str]) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, url, *paths], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode != 0:
        raise SystemExit(f"import failed on {url}:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--esco", default=os.environ.get("SKILLMATCH_TEST_ESCO_DIR", "../shared/data/esco"))
    ap.add_argument("--pg-url", default=os.environ.get("SKILLMATCH_BENCH_PG_URL"))
    args = ap.parse_args()
    esco = Path(args.esco)
    paths = [str(esco / "it"), str(esco / "en")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite", run(f"sqlite:///{tmp}/bench.db", paths)))
    if args.pg_url:
        from sqlalchemy import create_engine, text

        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in args.pg_url else "?"
            rows.append(("PostgreSQL", run(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}", paths)))
        finally:
            with admin.connect() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    print(f"\nESCO import, it+en ({esco}), {os.cpu_count()} CPUs\n")
    print("| database   | import s | wall s (incl. start) | rows    | rows/s  | peak RSS MB |")
    print("|------------|---------:|---------------------:|--------:|--------:|------------:|")
    for name, r in rows:
        print(f"| {name:<10} | {r['seconds']:8.1f} | {r['wall']:20.1f} | {r['rows']:7d} "
              f"| {r['rows'] / r['seconds']:7.0f} | {r['maxrss_kb'] / 1024:11.0f} |")
    if not args.pg_url:
        print("\n(PostgreSQL skipped: give --pg-url or SKILLMATCH_BENCH_PG_URL)")
    print("\ntarget: under 180 s and 1,500 MB")


if __name__ == "__main__":
    main()
