"""Benchmark: the caseload batches on Ray in local mode, on a copy of the configured database.

    python bench/batch.py [--n 5000] [--workers 1 2] [--kill] [--people 100000 --vacancies 10000]

1. ``--n`` persons get a profile each (the training narratives, cycled) and the whole caseload is
   re-matched by `batch rematch` with each ``--workers`` count: wall time, matches per second, the
   scaling ratio against one worker, and peak memory (summed PSS of the driver and every Ray process:
   the index is memory-mapped, so its pages count once, shared).
2. ``--kill``: `skillmatch batch rematch` runs as its own process group and is killed (SIGKILL, as a
   crashed node) after it wrote a few chunks; the same command then resumes. Checked: every current
   profile has exactly one match from the model (no duplicate, none missing).
3. ``--people``/``--vacancies``: that many persons with a stored match (copies of the matches of
   step 1) and open vacancies, and `batch rank-vacancies` over all of them: time and suggestions.

Uses the settings of a set-up clone (SKILLMATCH_DATA_DIR, SKILLMATCH_MODEL_DIR); the database is a
copy in a temporary folder, so the real one is never written.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select

from matcher.accounts.actors import Actor
from matcher.accounts.models import AuditEvent
from matcher.accounts.users import create_organisation
from matcher.caseload.models import BatchRun, VacancySuggestion
from matcher.caseload.rank_vacancies import rank_caseload
from matcher.caseload.ray_engine import ray_session
from matcher.caseload.rematch import rematch_caseload
from matcher.db.database import open_database
from matcher.people.models import MatchRecord, Person, Profile
from matcher.settings import get_settings
from matcher.taxonomy.snapshot import load_taxonomy_cached
from matcher.vacancies.geo import resolve
from matcher.vacancies.models import Vacancy

ADMIN = Actor(None, "bench", "admin", None, "bench/batch.py")
PLACES = ["Firenze", "Prato", "Pistoia", "Empoli", "Siena", "Arezzo", "Lucca", "Pisa", "Livorno", "Bologna", "Modena",
          "Milano", "Torino", "Genova", "Roma", "Napoli", "Bari", "Palermo", "Verona", "Padova"]
TRAIN = ROOT.parent / "shared" / "eval" / "narratives_train.jsonl"


class PeakMemory:
    """Peak of the summed PSS of this process and all its descendants (Ray's processes included)."""

    def __init__(self) -> None:
        self.peak_mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(1.0):
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_full_info().pss
                except (psutil.Error, AttributeError):
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def copy_database(settings, folder: Path):
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        sys.exit("bench/batch.py copies a SQLite database; point SKILLMATCH_DATA_DIR at a set-up clone's var/")
    src = Path(url.removeprefix("sqlite:///"))
    dst = folder / "bench.db"
    shutil.copy(src, dst)
    for suffix in ("-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, str(dst) + suffix)
    return settings.model_copy(update={"database_url": f"sqlite:///{dst}"})


def add_people(sessions, org_id: int, texts: list[str], n: int, matches: list[dict] | None = None,
               model_version: str = "") -> None:
    """``n`` persons with one profile each (and, with ``matches``, a stored match each), in batches."""
    t0 = time.perf_counter()
    for start in range(0, n, 2000):
        with sessions() as s:
            people = [Person(organisation_id=org_id, pseudonym=f"B{random.getrandbits(64):016X}") for _ in range(min(2000, n - start))]
            s.add_all(people)
            s.flush()
            profiles = [Profile(person_id=p.id, version=1, narrative=texts[(start + i) % len(texts)], documents=[],
                                municipality=random.choice(PLACES), years_experience=float(random.randint(0, 10)))
                        for i, p in enumerate(people)]
            s.add_all(profiles)
            s.flush()
            if matches:
                s.add_all([MatchRecord(person_id=p.person_id, profile_id=p.id, organisation_id=org_id,
                                       result=matches[(start + i) % len(matches)], model_version=model_version,
                                       taxonomy_version=0) for i, p in enumerate(profiles)])
            s.commit()
        print(f"  seeded {min(start + 2000, n)}/{n} persons ({time.perf_counter() - t0:.0f} s)", flush=True)


def clear_matches(sessions) -> None:
    with sessions() as s:
        s.execute(delete(MatchRecord))
        s.execute(delete(VacancySuggestion))
        s.execute(delete(BatchRun))
        s.execute(delete(AuditEvent).where(AuditEvent.resource.in_(["match", "vacancy_suggestions"])))
        s.commit()


def check_every_profile_once(sessions) -> tuple[int, int, int]:
    """(profiles, with no match, with more than one)."""
    with sessions() as s:
        counts = dict(s.execute(select(MatchRecord.profile_id, func.count()).group_by(MatchRecord.profile_id)).all())
        ids = list(s.scalars(select(Profile.id)))
    return len(ids), sum(1 for i in ids if counts.get(i, 0) == 0), sum(1 for i in ids if counts.get(i, 0) > 1)


def kill_and_resume(settings, sessions, n: int) -> dict:
    clear_matches(sessions)
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url}
    cmd = [sys.executable, "-m", "matcher", "batch", "rematch", "--workers", "2", "--chunk", "50"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    written = 0
    while proc.poll() is None:
        time.sleep(0.5)
        with sessions() as s:
            written = s.scalar(select(func.count()).select_from(MatchRecord)) or 0
        if written >= min(300, n // 3):
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and its local Ray cluster, as a crashed machine
            break
    proc.wait()
    with sessions() as s:
        at_kill = s.scalar(select(func.count()).select_from(MatchRecord)) or 0
    t0 = time.perf_counter()
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True)
    profiles, missing, duplicated = check_every_profile_once(sessions)
    return {"written_before_kill": at_kill, "resume_rc": rerun.returncode, "resume_s": round(time.perf_counter() - t0, 1),
            "profiles": profiles, "missing": missing, "duplicated": duplicated, "resume_output": rerun.stdout.strip()[-300:]}


def add_vacancies(sessions, taxonomy, org_id: int, n: int) -> None:
    occupations = [u for u, o in taxonomy.occupations.items() if o.isco_code]
    places = [resolve(p) for p in PLACES]
    with sessions() as s:
        for i in range(n):
            occ = random.choice(occupations)
            p = random.choice(places)
            s.add(Vacancy(organisation_id=org_id, title=f"vacancy {i}", occupation_uri=occ, isco_code=taxonomy.occupations[occ].isco_code,
                          required_skills=[], municipality=p.name, province=p.province, latitude=p.latitude, longitude=p.longitude,
                          contract_type="permanent", is_shortage=random.random() < 0.2))
        s.commit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--kill", action="store_true")
    ap.add_argument("--people", type=int, default=0)
    ap.add_argument("--vacancies", type=int, default=10000)
    args = ap.parse_args()
    random.seed(0)
    texts = [json.loads(x)["text"] for x in TRAIN.read_text(encoding="utf-8").splitlines() if x.strip()]
    with tempfile.TemporaryDirectory(prefix="skillmatch-batch-") as tmp:
        settings = copy_database(get_settings(), Path(tmp))
        sessions = open_database(settings)
        with sessions() as s:
            org = create_organisation(s, ADMIN, "CPI bench", "cpi", "Firenze")
            employer = create_organisation(s, ADMIN, "Employer bench", "employer", "Prato")
            taxonomy = load_taxonomy_cached(s, settings.registry_dir / "taxonomies")
            org_id, employer_id = org.id, employer.id
        print(f"machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB; database copy in {tmp}")
        add_people(sessions, org_id, texts, args.n)
        rows = []
        for w in args.workers:
            clear_matches(sessions)
            with PeakMemory() as mem:
                t0 = time.perf_counter()
                with ray_session(None, w):
                    started = time.perf_counter() - t0
                    summary = rematch_caseload(sessions, ADMIN, settings=settings, workers=w, chunk=args.chunk)
                wall = time.perf_counter() - t0
            profiles, missing, duplicated = check_every_profile_once(sessions)
            rows.append((w, summary["done"], wall, started, mem.peak_mb, missing, duplicated))
        print(f"\nre-match of {args.n} narratives (Ray local mode, chunk {args.chunk})")
        print("| workers | matched | wall s | Ray start s | matches/s | scaling vs 1 | peak PSS MB | missing | duplicated |")
        print("|---|---|---|---|---|---|---|---|---|")
        base = None
        for w, done, wall, started, peak, missing, duplicated in rows:
            rate = done / wall
            base = base or (rate if w == 1 else None)
            scale = f"{rate / base:.2f}x" if base else "-"
            print(f"| {w} | {done} | {wall:.1f} | {started:.1f} | {rate:.2f} | {scale} | {peak:.0f} | {missing} | {duplicated} |")
        if args.kill:
            k = kill_and_resume(settings, sessions, args.n)
            print("\nkilled and resumed (`skillmatch batch rematch --workers 2 --chunk 50`, SIGKILL to its process group):")
            for key, value in k.items():
                print(f"  {key}: {value}")
        if args.people:
            with sessions() as s:
                matches = [m.result for m in s.scalars(select(MatchRecord).limit(2000))]
                version = s.scalar(select(MatchRecord.model_version)) or ""
            t0 = time.perf_counter()
            add_people(sessions, org_id, texts, args.people, matches, version)
            add_vacancies(sessions, taxonomy, employer_id, args.vacancies)
            seeded = time.perf_counter() - t0
            with sessions() as s:
                people = s.scalar(select(func.count()).select_from(Person).where(Person.erased_at.is_(None)))
                open_vacancies = s.scalar(select(func.count()).select_from(Vacancy).where(Vacancy.status == "open"))
            print(f"\nrank-vacancies: {people} persons x {open_vacancies} open vacancies (seeded in {seeded:.0f} s)")
            print("| workers | wall s | persons/s | suggestions | peak PSS MB |")
            print("|---|---|---|---|---|")
            for w in args.workers:
                with sessions() as s:
                    s.execute(delete(VacancySuggestion))
                    s.execute(delete(BatchRun).where(BatchRun.kind == "rank_vacancies"))
                    s.commit()
                with PeakMemory() as mem:
                    t0 = time.perf_counter()
                    if os.environ.get("BENCH_PROFILE"):
                        import cProfile
                        import pstats

                        prof = cProfile.Profile()
                        prof.enable()
                    summary = rank_caseload(sessions, ADMIN, settings=settings, workers=w, chunk=1000, top_k=20)
                    wall = time.perf_counter() - t0
                    if os.environ.get("BENCH_PROFILE"):
                        prof.disable()
                        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
                print(f"| {w} | {wall:.1f} | {people / wall:.0f} | {summary['suggestions_written']} | {mem.peak_mb:.0f} |")


if __name__ == "__main__":
    main()
