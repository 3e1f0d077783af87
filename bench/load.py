"""Benchmark: concurrent clients on loopback against `skillmatch serve`.

    python bench/load.py --esco ../shared/data/esco --workers 2 --clients 16 --seconds 30

Imports the bundle into a throw-away SQLite database (or uses --database-url), reuses the index of
the model registry (SKILLMATCH_MODEL_DIR; build it first with `skillmatch index build`), starts the
service with W workers, and runs N clients for T seconds mixing matches (50%), profile writes (25%)
and profile reads (25%), or only matches (--matches-only). Prints throughput, p50/p95 latency and
errors per kind, the writes acknowledged against the rows found in the database afterwards, and the
memory of each worker after the run: RSS, PSS (shared pages divided among the processes that map
them) and USS (its own pages): the index is memory-mapped read-only, so a second worker adds its
USS, not its RSS.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = [
    "Ho lavorato due anni in una pizzeria a Tunisi: stendevo la pasta, preparavo le pizze e gestivo il forno a legna.",
    "In Albania facevo il carpentiere nei cantieri: montavo le casseforme per il cemento armato e i solai.",
    "Je travaillais comme maçon au Sénégal, je montais des murs en parpaings et je faisais le crépi.",
    "Back home I drove a minibus for passengers between towns for five years.",
    "Ho fatto la colf presso alcune famiglie: stiravo, pulivo la casa, facevo la spesa e cucinavo.",
    "Lavoravo nelle serre: piantavo, innaffiavo e raccoglievo fragole e pomodori.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def client_loop(base: str, headers: dict, persons: list[int], until: float, stats: dict, acked: list[int],
                      matches_only: bool = False) -> None:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as c:
        while time.perf_counter() < until:
            r = 0.0 if matches_only else random.random()
            t = time.perf_counter()
            try:
                if r < 0.5:
                    kind = "match"
                    resp = await c.post("/matches", json={"text": random.choice(TEXTS)})
                    ok = resp.status_code == 200
                elif r < 0.75:
                    kind = "profile write"
                    pid = random.choice(persons)
                    resp = await c.post(f"/persons/{pid}/profiles", json={"narrative": random.choice(TEXTS), "years_experience": 2})
                    ok = resp.status_code == 201
                    if ok:
                        acked.append(resp.json()["id"])
                else:
                    kind = "profile read"
                    resp = await c.get(f"/persons/{random.choice(persons)}/profiles")
                    ok = resp.status_code == 200
            except httpx.HTTPError:
                ok = False
            s = stats.setdefault(kind, {"lat": [], "errors": 0})
            s["lat"].append(time.perf_counter() - t)
            s["errors"] += 0 if ok else 1


def worker_memory(pid: int) -> dict[str, tuple[float, float, float, float]]:
    """RSS, PSS, USS in MB and CPU seconds of the service's processes (the supervisor and its
    workers): the CPU seconds show how evenly the workers shared the load."""
    import psutil

    out = {}
    root = psutil.Process(pid)
    workers = 0
    for p in [root, *root.children(recursive=True)]:
        try:
            if "resource_tracker" in " ".join(p.cmdline()):  # multiprocessing's helper, not a worker
                continue
            m, cpu = p.memory_full_info(), p.cpu_times()
        except psutil.Error:
            continue
        name = "supervisor" if p.pid == pid else f"worker {(workers := workers + 1)}"
        out[name] = (m.rss / 2**20, getattr(m, "pss", 0.0) / 2**20, m.uss / 2**20, cpu.user + cpu.system)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--esco", default=os.environ.get("SKILLMATCH_TEST_ESCO_DIR", str(ROOT.parent / "shared" / "data" / "esco")))
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--matches-only", action="store_true", help="every request a match (default: a mix)")
    args = ap.parse_args()

    from matcher.accounts.actors import Actor
    from matcher.accounts.users import create_organisation, create_user
    from matcher.db.database import open_database
    from matcher.people.models import Profile
    from matcher.people.service import create_person
    from matcher.settings import get_settings, load_settings
    from matcher.taxonomy.esco_import import import_bundle

    registry = get_settings().registry_dir.resolve()
    tmp = tempfile.mkdtemp(prefix="skillmatch-load-")
    url = args.database_url or f"sqlite:///{tmp}/load.db"
    s = load_settings(database_url=url, data_dir=tmp, model_dir=registry, environment="test")
    factory = open_database(s)
    cli = Actor(None, "bench", "admin", None, "bench")
    with factory() as db:
        import_bundle(db, [Path(args.esco) / "it", Path(args.esco) / "en"], release="v1.1.1")
        org = create_organisation(db, cli, f"CPI bench {os.getpid()}", "cpi")
        create_user(db, cli, f"bench{os.getpid()}", "bench password 1", "operator", org.id)
        op = Actor(None, "bench", "operator", org.id, "bench")
        persons = [create_person(db, op).id for _ in range(50)]
    port = free_port()
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": url, "SKILLMATCH_DATA_DIR": tmp, "SKILLMATCH_MODEL_DIR": str(registry),
           "SKILLMATCH_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "matcher", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(args.workers)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.time() + 300
        ready = 0
        while time.time() < deadline and ready < args.workers * 3:  # every worker has loaded its index
            try:
                ready = ready + 1 if httpx.get(f"{base}/ready", timeout=5).status_code == 200 else 0
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit(proc.stderr.read().decode()[-2000:])
            time.sleep(0.5)
        tok = httpx.post(f"{base}/auth/token", data={"username": f"bench{os.getpid()}", "password": "bench password 1"}).json()
        headers = {"Authorization": f"Bearer {tok['access_token']}"}
        stats: dict = {}
        acked: list[int] = []
        until = time.perf_counter() + args.seconds

        async def run() -> None:
            await asyncio.gather(*(client_loop(base, headers, persons, until, stats, acked, args.matches_only)
                                   for _ in range(args.clients)))

        t0 = time.perf_counter()
        asyncio.run(run())
        elapsed = time.perf_counter() - t0
        memory = worker_memory(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    with factory() as db:
        found = db.query(Profile).filter(Profile.id.in_(acked)).count() if acked else 0
    print(f"\nLoad: {args.clients} clients, {args.workers} workers, {elapsed:.0f} s, loopback, {os.cpu_count()} CPUs, "
          f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}\n")
    print("| kind | requests | per s | p50 ms | p95 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, st in sorted(stats.items()):
        lat = np.asarray(st["lat"]) * 1000
        print(f"| {kind} | {len(lat)} | {len(lat) / elapsed:.1f} | {np.percentile(lat, 50):.0f} "
              f"| {np.percentile(lat, 95):.0f} | {st['errors']} |")
    print("\n| process | RSS MB | PSS MB | USS MB | CPU s (from its start) |")
    print("|---|---:|---:|---:|---:|")
    for name, (rss, pss, uss, cpu) in memory.items():
        print(f"| {name} | {rss:.0f} | {pss:.0f} | {uss:.0f} | {cpu:.1f} |")
    print(f"\nwrites acknowledged: {len(acked)}; rows found afterwards: {found}; lost: {len(acked) - found}")
    print("target (2 workers, this machine): >= 30 matches/s, 0 errors, 0 lost writes")


if __name__ == "__main__":
    main()
