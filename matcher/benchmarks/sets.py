"""The benchmark sets: where each lives, how its queries and gold answers are read, and its split.

Every loader returns ``Query`` rows with a split already decided (``splits``); the files are read
from the folder the user gives (``../shared/benchmarks`` on the development machines), never copied.
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from matcher.benchmarks.evaluation import read_narratives, read_skill_gold
from matcher.benchmarks.splits import REPORT, TUNE, hash_split

OCCUPATION, SKILL, NARRATIVE = "occupation", "skill", "narrative"


class BenchmarkDataError(ValueError):
    """A benchmark folder or file is missing or not in the expected format; the message names it."""


@dataclass
class Query:
    id: str
    text: str
    gold: set[str]  # occupation or skill URIs (narratives: ISCO-08 codes)
    split: str
    language: str | None = None
    gold_labels: set[str] = field(default_factory=set)  # skill sets: the gold as labels, before mapping


@dataclass(frozen=True)
class BenchmarkSet:
    name: str
    kind: str  # occupation | skill | narrative
    language: str
    source: str  # what the numbers beside ours were measured on
    load: Callable[[Path, Path | None], list[Query]]  # (benchmarks dir, eval dir) -> queries
    needs_language: str | None = None  # a taxonomy language the set is meaningless without
    label_languages: frozenset[str] | None = None  # rank occupations through labels in these languages only


def _need(path: Path) -> Path:
    if not path.exists():
        raise BenchmarkDataError(f"{path}: not found (give the benchmarks folder with --benchmarks, e.g. ../shared/benchmarks)")
    return path


def _melo(dataset: str) -> Callable[[Path, Path | None], list[Query]]:
    def load(root: Path, _eval: Path | None) -> list[Query]:
        path = _need(root / "melo" / dataset / "gold_uris.jsonl")
        out = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                d = json.loads(line)
                d["qid"], d["query"], d["gold_occupation_uris"]  # the fields a query needs
            except (ValueError, KeyError, TypeError) as exc:
                raise BenchmarkDataError(f"{path}, line {n}: not a MELO gold line ({exc})") from None
            if d["gold_occupation_uris"]:  # the few queries whose gold is only an ISCO group are left out
                out.append(Query(d["qid"], d["query"], set(d["gold_occupation_uris"]), hash_split(dataset, d["qid"]),
                                 dataset[:3][:2] if dataset.startswith(("ita", "fra", "esp", "rou")) else None))
        langs = {"ita": "it", "fra": "fr", "esp": "es", "rou": "ro"}
        for q in out:
            q.language = langs[dataset[:3]]
        return out

    return load


def _crosswalk(root: Path, _eval: Path | None) -> list[Query]:
    """CP2011 unit titles -> the ESCO occupations the official Italian mapping links them to."""
    path = _need(root / "crosswalks" / "cp2011_esco_occupations_v1.0.8.csv")
    gold: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if "/occupation/" in row["escoConceptUri"]:
                gold[row["cp2011Code"]].add(row["escoConceptUri"])
                titles[row["cp2011Code"]] = row["cp2011Label"]
    return [Query(code, titles[code], uris, hash_split("cp2011", code), "it") for code, uris in sorted(gold.items())]


def _decorte(name: str) -> Callable[[Path, Path | None], list[Query]]:
    def load(root: Path, _eval: Path | None) -> list[Query]:
        folder = root / "decorte_skill_extraction"
        parts = [(f"{name}_validation_annotations.csv", TUNE), (f"{name}_test_annotations.csv", REPORT)]
        out = []
        for file, split in parts:
            if not (folder / file).exists():
                continue
            gold: dict[str, set[str]] = defaultdict(set)
            with (folder / file).open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    gold[row["sentence"]]  # every sentence is a query, even with specials only
                    if row["label"] not in ("LABEL NOT PRESENT", "UNDERSPECIFIED"):
                        gold[row["sentence"]].add(row["label"])
            # sentences without a skill stay: ranking metrics skip them (no gold), while the calibration
            # of which skills to report learns from them that zero skills is often the answer
            out += [Query(f"{split}-{i}", s, set(), split, "en", labels) for i, (s, labels) in enumerate(gold.items())]
        if not out:
            _need(folder / f"{name}_test_annotations.csv")
        return out

    return load


def _jobbert(root: Path, _eval: Path | None) -> list[Query]:
    out = []
    for file, split in (("titles.csv", TUNE), ("titles.test.csv", REPORT)):
        with _need(root / "jobbert_eval" / file).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.append(Query(f"{split}-{row['']}", row["vacancyTitle"], {row["conceptUri"]}, split, "en"))
    return out


def _narratives(file: str, split: str) -> Callable[[Path, Path | None], list[Query]]:
    def load(_root: Path, eval_dir: Path | None) -> list[Query]:
        if eval_dir is None:
            raise BenchmarkDataError(f"{file}: give the folder of the evaluation narratives with --eval-dir (../shared/eval)")
        return [Query(n.id, n.text, set(n.isco), split, n.lang) for n in read_narratives(_need(eval_dir / file))]

    return load


def _skills_dev(_root: Path, eval_dir: Path | None) -> list[Query]:
    """Each narrative with its evidenced competences: the gold is every accepted skill URI."""
    if eval_dir is None:
        raise BenchmarkDataError("skills_dev.jsonl: give the folder of the evaluation narratives with --eval-dir (../shared/eval)")
    texts = {n.id: n for n in read_narratives(_need(eval_dir / "narratives_dev.jsonl"))}
    out = []
    for nid, g in read_skill_gold(_need(eval_dir / "skills_dev.jsonl")).items():
        accepted = {u for c in g.competences for u in c.get("accept", [])}
        if nid in texts and accepted:  # a fixed hash split: the tune part calibrates which skills to report
            out.append(Query(nid, texts[nid].text, accepted, hash_split("skills-dev", nid), texts[nid].lang))
    return out


SETS: dict[str, BenchmarkSet] = {s.name: s for s in [
    BenchmarkSet("melo-ita-it", OCCUPATION, "it", "MELO ita_q_it_c_it, surface-form level", _melo("ita_q_it_c_it")),
    BenchmarkSet("melo-ita-en", OCCUPATION, "it", "MELO ita_q_it_c_en, surface-form level", _melo("ita_q_it_c_en"),
                 label_languages=frozenset({"en"})),
    BenchmarkSet("melo-fra", OCCUPATION, "fr", "MELO fra_q_fr_c_fr, surface-form level", _melo("fra_q_fr_c_fr"), "fr"),
    BenchmarkSet("melo-esp", OCCUPATION, "es", "MELO esp_q_es_c_es, surface-form level", _melo("esp_q_es_c_es"), "es"),
    BenchmarkSet("melo-rou", OCCUPATION, "ro", "MELO rou_q_ro_c_ro, surface-form level", _melo("rou_q_ro_c_ro"), "ro"),
    BenchmarkSet("cp2011", OCCUPATION, "it", "ISTAT CP2011 -> ESCO official mapping (no published number)", _crosswalk),
    BenchmarkSet("jobbert", OCCUPATION, "en", "JobBERT titles (WorkRB JobNorm)", _jobbert),
    BenchmarkSet("decorte-tech", SKILL, "en", "Decorte TECH (WorkRB)", _decorte("tech")),
    BenchmarkSet("decorte-house", SKILL, "en", "Decorte HOUSE (WorkRB)", _decorte("house")),
    BenchmarkSet("decorte-techwolf", SKILL, "en", "Decorte TECHWOLF (WorkRB)", _decorte("techwolf")),
    BenchmarkSet("narratives-dev", NARRATIVE, "mixed", "project dev narratives (ISCO-4)", _narratives("narratives_dev.jsonl", REPORT)),
    BenchmarkSet("narratives-train", NARRATIVE, "mixed", "project training narratives (ISCO-4; tuning only)",
                 _narratives("narratives_train.jsonl", TUNE)),
    BenchmarkSet("skills-dev", SKILL, "mixed", "project dev skills (accepted ESCO skills)", _skills_dev),
]}
