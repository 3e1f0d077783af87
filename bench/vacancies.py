"""Benchmark: ranking one person against 1k, 10k and 100k open vacancies spread over Italy.

    python bench/vacancies.py [--repeat 50]

Vacancies are generated from the active taxonomy (random occupations with their essential skills
plus a few required ones, random comuni from the gazetteer, 20% shortage roles); the person is a
cook in Firenze with evidenced skills. The index is in memory (numpy and scipy.sparse arrays in
each service worker; pgvector is not used). Prints fit (index build) time and p50/p95 per ranking.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.db.database import open_database
from matcher.settings import get_settings
from matcher.taxonomy.in_memory import load_taxonomy
from matcher.vacancies.evidence import PersonEvidence
from matcher.vacancies.geo import gazetteer, resolve
from matcher.vacancies.models import Vacancy
from matcher.vacancies.ranking import VacancyRanker


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    with open_database(get_settings())() as session:
        tax = load_taxonomy(session)
    rng = random.Random(0)
    places = [p for ps in gazetteer().comuni.values() for p in ps]
    occs = [u for u in tax.occupations if tax.essential.get(u)]
    skills = list(tax.skills)
    cooks = [u for u, o in tax.occupations.items() if o.isco_code == "5120"]
    person_skills = set()
    for u in cooks[:3]:
        person_skills |= set(tax.essential[u][:8])
    firenze = resolve("Firenze")
    person = PersonEvidence(person_skills, {cooks[0]: 0, cooks[1]: 1}, {"5120": 0}, firenze.latitude, firenze.longitude)
    print(f"\nVacancy ranking: one person ({len(person_skills)} evidenced skills) against N open vacancies; in-memory index\n")
    print("| vacancies | index build s | p50 ms | p95 ms | p50 ms, max 50 km |")
    print("|---:|---:|---:|---:|---:|")
    for n in (1_000, 10_000, 100_000):
        vacs = []
        for i in range(n):
            p = places[rng.randrange(len(places))]
            o = occs[rng.randrange(len(occs))]
            vacs.append(Vacancy(id=i + 1, organisation_id=1, title="v", occupation_uri=o, isco_code=tax.occupations[o].isco_code,
                                required_skills=rng.sample(skills, 3), municipality=p.name, province=p.province,
                                latitude=p.latitude, longitude=p.longitude, positions=1, contract_type="seasonal",
                                is_shortage=rng.random() < 0.2, status="open"))
        t = time.perf_counter()
        ranker = VacancyRanker().fit(vacs, tax, {})
        build = time.perf_counter() - t
        times, times_near = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            ranker.rank(person, top_k=20)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            ranker.rank(person, max_km=50, top_k=20)
            times_near.append(time.perf_counter() - t)
        ms = np.asarray(times) * 1000
        print(f"| {n:,} | {build:.2f} | {np.percentile(ms, 50):.1f} | {np.percentile(ms, 95):.1f} | "
              f"{np.percentile(np.asarray(times_near) * 1000, 50):.1f} |")
    print("\ntarget: <= 50 ms at 100k, growing less than linearly")


if __name__ == "__main__":
    main()
