"""Evaluation sets and metrics, shared by `skillmatch evaluate`, the benchmarks and training."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class EvalFileError(ValueError):
    """A bad line in an evaluation file; the message names the file and line."""


@dataclass
class Narrative:
    id: str
    lang: str
    text: str
    isco: list[str]


@dataclass
class SkillGold:
    id: str
    competences: list[dict] = field(default_factory=list)  # {"evidence": str, "accept": [uri, ...]}


def _lines(path: Path):
    path = Path(path)
    if not path.exists():
        raise EvalFileError(f"{path}: no such file")
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalFileError(f"{path}, line {n}: not JSON ({exc.msg})") from None


def read_narratives(path: Path) -> list[Narrative]:
    out = []
    for n, d in _lines(path):
        if not isinstance(d, dict) or not isinstance(d.get("text"), str) or not isinstance(d.get("isco"), list) or not d["isco"]:
            raise EvalFileError(f"{path}, line {n}: needs \"text\" (string) and \"isco\" (non-empty list of ISCO-08 codes)")
        codes = [str(c).strip() for c in d["isco"]]
        bad = [c for c in codes if not (c.isdigit() and len(c) == 4)]
        if bad:
            raise EvalFileError(f"{path}, line {n}: ISCO-08 code(s) {bad} are not 4-digit strings")
        out.append(Narrative(str(d.get("id", n)), str(d.get("lang", "?")), d["text"], codes))
    if not out:
        raise EvalFileError(f"{path}: no narratives")
    return out


def read_skill_gold(path: Path) -> dict[str, SkillGold]:
    out = {}
    for n, d in _lines(path):
        if not isinstance(d, dict) or "id" not in d or not isinstance(d.get("competences"), list):
            raise EvalFileError(f"{path}, line {n}: needs \"id\" and \"competences\"")
        out[str(d["id"])] = SkillGold(str(d["id"]), d["competences"])
    return out


def language_group(lang: str) -> str:
    return lang if lang in ("it",) else ("it+x" if lang.startswith("it+") else "other")


def isco_metrics(ranked: Sequence[Sequence[str | None]], gold: Sequence[Sequence[str]]) -> dict[str, float]:
    """hit@1, hit@5, MRR at ISCO-4 and hit@1 at ISCO-2, over ranked ISCO codes (best first)."""
    n = len(gold)
    h1 = h5 = mrr = h1_2 = 0.0
    for codes, ok in zip(ranked, gold):
        okset = set(ok)
        present = [c for c in codes if c]
        rank = next((i for i, c in enumerate(present) if c in okset), None)
        if rank is not None:
            mrr += 1.0 / (rank + 1)
            h1 += rank == 0
            h5 += rank < 5
        if present and present[0][:2] in {c[:2] for c in ok}:
            h1_2 += 1
    return {"n": n, "hit@1": h1 / n, "hit@5": h5 / n, "mrr": mrr / n, "isco2_hit@1": h1_2 / n}


def by_language(narratives: Sequence[Narrative], ranked: Sequence[Sequence[str | None]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, nar in enumerate(narratives):
        groups["all"].append(i)
        groups["it" if nar.lang == "it" else "non-it"].append(i)
    return {g: isco_metrics([ranked[i] for i in idx], [narratives[i].isco for i in idx]) for g, idx in groups.items()}


def skill_metrics(gold: dict[str, SkillGold], texts: dict[str, str], found: dict[str, list[tuple[str, list[tuple[int, int]]]]],
                  k: int = 15) -> dict[str, float]:
    """Recall@k of evidenced competences (any accepted URI among the top k skills) and how much of
    each competence's evidence words the returned spans of that skill cover (character overlap)."""
    total = hit = 0
    overlaps: list[float] = []
    for nid, g in gold.items():
        returned = found.get(nid, [])[:k]
        uris = {u: spans for u, spans in returned}
        text = texts.get(nid, "")
        for comp in g.competences:
            total += 1
            match = next((u for u in comp["accept"] if u in uris), None)
            if match is None:
                continue
            hit += 1
            ev = comp.get("evidence", "")
            start = text.find(ev)
            if start < 0 or not ev:
                continue
            gold_chars = set(range(start, start + len(ev)))
            got: set[int] = set()
            for s, e in uris[match]:
                got.update(range(s, e))
            overlaps.append(len(gold_chars & got) / len(gold_chars))
    return {"competences": total, f"recall@{k}": hit / total if total else 0.0,
            "evidence_overlap": sum(overlaps) / len(overlaps) if overlaps else 0.0}


def evaluate_matcher(matcher, narratives: Sequence[Narrative], k: int = 10, *,  # noqa: ANN001
                     progress: Callable[[str, int, int], None] | None = None, stage: str = "evaluating") -> dict[str, dict[str, float]]:
    """ISCO-4 hit@1/hit@5/MRR and ISCO-2 hit@1 of a fitted matcher, overall, Italian and not: the
    ranking ``match`` returns, without building the result objects."""
    from matcher.matching.scoring import GROUPS_FIRST

    scorer = matcher.scorer_
    ranked = []
    for i, n in enumerate(narratives):
        occ = scorer.occupation_scores(matcher.signals(n.text))
        ranked.append([scorer.isco[o] for o in scorer.occupation_order(occ, k, GROUPS_FIRST)])
        if progress:
            progress(stage, i + 1, len(narratives))
    return {g: {key: round(v, 4) for key, v in m.items()} for g, m in by_language(narratives, ranked).items()}
