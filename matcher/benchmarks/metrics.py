"""Concept-level ranking metrics: acc@k and MRR (occupations), MRR and RP@k as WorkRB computes
them (skills: |gold ∩ top-k| / min(k, |gold|), macro-averaged over queries)."""
from __future__ import annotations

from collections.abc import Sequence


def ranking_metrics(ranked: Sequence[Sequence[str]], gold: Sequence[set[str]], ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    n = len(gold)
    if n == 0:
        return {"n": 0}
    out: dict[str, float] = {"n": n, "mrr": 0.0, **{f"acc@{k}": 0.0 for k in ks}, **{f"rp@{k}": 0.0 for k in ks}}
    for items, ok in zip(ranked, gold):
        rank = next((i for i, x in enumerate(items) if x in ok), None)
        if rank is not None:
            out["mrr"] += 1.0 / (rank + 1)
        for k in ks:
            top = set(items[:k])
            out[f"acc@{k}"] += rank is not None and rank < k
            out[f"rp@{k}"] += len(top & ok) / min(k, len(ok))
    return {key: (v / n if key != "n" else v) for key, v in out.items()}
