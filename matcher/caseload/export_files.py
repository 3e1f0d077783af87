"""Re-matching an export (JSONL, CSV, XLSX or Parquet: one narrative per row) on Ray, for a caseload
kept in another system. Results go to a folder of JSONL parts, each written whole or not at all
(lines as `skillmatch match --output` writes them, plus the input ``line``); running the same
command again skips the lines a part already holds, so a stopped run resumes without duplicates."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from matcher.caseload.ray_engine import map_rows, ray_session, require_ray
from matcher.caseload.rematch import matcher_spec
from matcher.caseload.runs import Progress
from matcher.caseload.workers import MatchWorker
from matcher.matching.batch_io import BatchItem, read_items, result_line
from matcher.settings import Settings
from matcher.taxonomy.in_memory import Taxonomy

PART = "part-{:06d}.jsonl"


def lines_done(folder: Path) -> set[int]:
    done: set[int] = set()
    for part in sorted(folder.glob("part-*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            if line.strip():
                done.add(int(json.loads(line)["line"]))
    return done


def _write_part(folder: Path, rows: list[dict]) -> Path:
    """Atomically: a part appears complete or not at all (a kill mid-write leaves only a .tmp)."""
    n = 1 + max((int(p.stem.split("-")[1]) for p in folder.glob("part-*.jsonl")), default=0)
    path = folder / PART.format(n)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _row(item: BatchItem) -> dict:
    facts = {"years_experience": item.years_experience, "documents": list(item.documents), "validated": []}
    return {"key": item.line, "text": item.text or "", "language": item.language or "", "facts": json.dumps(facts)}


def rematch_export(items_path: Path, output: Path, *, settings: Settings, taxonomy: Taxonomy, model: str = "serving",
                   workers: int = 1, chunk: int = 100, address: str | None = None, progress: Progress | None = None,
                   **read_options: str | None) -> dict:
    """Every row of the export matched; returns counts (matched, with errors, skipped as done)."""
    progress = progress or (lambda stage, done, total: None)
    require_ray()
    items = read_items(items_path, **read_options)  # type: ignore[arg-type]
    output.mkdir(parents=True, exist_ok=True)
    done_lines = lines_done(output)
    by_line = {i.line: i for i in items}
    todo = [i for i in items if i.line not in done_lines]
    bad = [i for i in todo if i.error]
    if bad:  # rows the reader refused: written as errors at once, as `skillmatch match` does
        _write_part(output, [{"id": i.id, "line": i.line, "error": i.error} for i in bad])
    todo = [i for i in todo if not i.error]
    spec, _ = matcher_spec(settings, taxonomy, model)
    matched, errors = 0, len(bad)
    progress("matching", 0, len(todo))
    if todo:
        with ray_session(address, workers) as ray:
            spec = replace(spec, taxonomy=ray.put(taxonomy))
            for batch in map_rows(ray, [_row(i) for i in todo], MatchWorker, {"spec": spec}, workers, chunk):
                rows = []
                for r in batch:
                    item = by_line[int(r["key"])]
                    if r["error"]:
                        rows.append({"id": item.id, "line": item.line, "error": r["error"]})
                        errors += 1
                        continue
                    line = {**result_line(item.id, json.loads(r["result"])), "line": item.line}
                    paths = json.loads(r["pathways"])
                    if paths:  # the pathway for the best occupation, as `skillmatch match` gives it
                        line["pathway"] = paths[0]["pathway"]
                    rows.append(line)
                    matched += 1
                _write_part(output, rows)
                progress("matching", matched + errors - len(bad), len(todo))
    return {"rows": len(items), "skipped_as_done": len(done_lines & set(by_line)), "matched": matched, "errors": errors,
            "output": str(output)}
