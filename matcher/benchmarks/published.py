"""The published numbers to put beside ours, from each set's SOURCES.md (MELO: its
reference_results.tsv, read from the benchmarks folder)."""
from __future__ import annotations

import csv
from pathlib import Path

# (metric, value, who) per set: what SOURCES.md quotes
QUOTED: dict[str, list[tuple[str, float, str]]] = {
    "decorte-tech": [("mrr", 0.632, "ConTeXT-Match"), ("rp@5", 0.6398, "ConTeXT-Match")],
    "decorte-house": [("mrr", 0.484, "CurriculumMatch"), ("rp@5", 0.4914, "CurriculumMatch")],
}
MELO_DATASETS = {"melo-ita-it": "ita_q_it_c_it", "melo-ita-en": "ita_q_it_c_en", "melo-fra": "fra_q_fr_c_fr",
                 "melo-esp": "esp_q_es_c_es", "melo-rou": "rou_q_ro_c_ro"}


def published(name: str, benchmarks_dir: Path) -> list[tuple[str, float, str]]:
    """Best published acc@1 (success_1) and MRR (recip_rank) of the MELO baselines, or the quoted numbers."""
    if name in MELO_DATASETS:
        path = benchmarks_dir / "melo" / "reference_results.tsv"
        if not path.exists():
            return []
        rows = [r for r in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t") if r["dataset"] == MELO_DATASETS[name]]
        if not rows:
            return []
        best1 = max(rows, key=lambda r: float(r["success_1"]))
        best_mrr = max(rows, key=lambda r: float(r["recip_rank"]))
        return [("acc@1", float(best1["success_1"]), best1["model"]), ("mrr", float(best_mrr["recip_rank"]), best_mrr["model"])]
    return QUOTED.get(name, [])
