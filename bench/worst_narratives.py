"""The N narratives whose first right answer ranks lowest, with the matcher's top 3 (ISCO-4 and label).

    python bench/worst_narratives.py ../shared/eval/narratives_dev.jsonl --n 10

A reading aid for a report set: nothing here is tuned on it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from matcher.benchmarks.evaluation import read_narratives
    from matcher.db.database import open_database
    from matcher.matching.matcher import SkillMatcher
    from matcher.matching.scoring import GROUPS_FIRST
    from matcher.registry.store import Registry
    from matcher.settings import get_settings
    from matcher.taxonomy.in_memory import load_taxonomy

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--model", default=None, help="a registry model id (default: the hand-set fusion)")
    args = ap.parse_args()
    s = get_settings()
    with open_database(s)() as db:
        tax = load_taxonomy(db)
    model = Registry(s.registry_dir).get(args.model).path if args.model else None
    m = SkillMatcher(encoder=s.encoder, registry_dir=s.registry_dir, build_if_missing=False, model=model).fit(tax)
    rows = []
    for n in read_narratives(args.file):
        occ = m.scorer_.occupation_scores(m.signals(n.text, n.lang if n.lang in tax.languages else None))
        order = m.scorer_.occupation_order(occ, len(occ), GROUPS_FIRST)  # as a match lists them
        codes = [m.scorer_.isco[o] for o in order]
        rank = next((i + 1 for i, c in enumerate(codes) if c in n.isco), len(codes) + 1)
        top = [f"{m.scorer_.isco[o]} {tax.occupations[m.index_.occupations.uris[o]].label('it')}" for o in order[:3]]
        rows.append((rank, n.id, n.lang, "/".join(n.isco), top))
    rows.sort(key=lambda r: -r[0])
    print("| narrative | lang | accepted | rank of first right | our top 3 |\n|---|---|---|---:|---|")
    for rank, nid, lang, gold, top in rows[: args.n]:
        print(f"| {nid} | {lang} | {gold} | {rank} | {'; '.join(top)} |")


if __name__ == "__main__":
    main()
