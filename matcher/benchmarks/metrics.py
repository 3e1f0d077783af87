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


def set_metrics(reported: Sequence[set[str]], gold: Sequence[set[str]]) -> dict[str, float]:
    """Micro precision, recall and F1 of the skills reported (a decision, not a ranking), and how
    many are reported per text."""
    tp = sum(len(r & g) for r, g in zip(reported, gold))
    n_rep = sum(len(r) for r in reported)
    n_gold = sum(len(g) for g in gold)
    p = tp / n_rep if n_rep else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"set_p": round(p, 4), "set_r": round(r, 4), "set_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "reported_per_text": round(n_rep / max(1, len(reported)), 3)}
