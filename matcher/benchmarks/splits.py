"""Which part of each set is for tuning (validation) and which for reporting (test).

Sets with an official split keep it. MELO and the CP2011 crosswalk have none: a fixed hash of the
set name and the query id puts 30% of the queries in ``tune`` and 70% in ``report``, the same on
every machine and in every release of this code. The dev narratives are only reported (40 are too
few to tune on); the training narratives are only for tuning and training; the dev skills have the
same 30/70 hash split, whose tune part calibrates which skills to report.

The rule, enforced here: whoever asks for queries *to tune on* never gets a report split.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

TUNE_SHARE = 0.30
TUNE, REPORT = "tune", "report"


class TuneOnReportError(ValueError):
    """Something tried to tune (choose a weight, threshold or training setting) on a report split."""


def hash_split(set_name: str, query_id: str, tune_share: float = TUNE_SHARE) -> str:
    digest = hashlib.sha256(f"skillmatch-benchmark:{set_name}:{query_id}".encode()).digest()
    return TUNE if int.from_bytes(digest[:8], "big") / 2**64 < tune_share else REPORT


def check_purpose(split: str, purpose: str) -> None:
    """``purpose`` is ``report`` (read by the harness to print and store numbers) or ``tune``."""
    if purpose not in (TUNE, REPORT):
        raise ValueError("purpose is tune or report")
    if purpose == TUNE and split != TUNE:
        raise TuneOnReportError(f"the {split} split is for reporting only: tune on the tune split "
                                "(official validation files, or the 30% hash split)")


REPORT_FILES = ("narratives_dev.jsonl", "skills_dev.jsonl")


def is_report_file(path: Path, eval_dir: Path | None) -> bool:
    """Whether ``path`` is (a copy of) a file whose sets are reported as evidence."""
    path = Path(path)
    if path.name in REPORT_FILES:
        return True
    if eval_dir is None or not path.is_file():
        return False
    digest = hashlib.sha256(path.read_bytes()).digest()
    return any((Path(eval_dir) / f).is_file() and hashlib.sha256((Path(eval_dir) / f).read_bytes()).digest() == digest
               for f in REPORT_FILES)
