"""Batches of narratives in the files an office already keeps: JSONL, CSV, Excel or Parquet in, the same out.

Reading never stops at a bad row: every row becomes an item or an error naming its line (the
spreadsheet's row number, header = 1) and field, so one run shows every problem. Tabular output
is one row per person: the best occupations, the pathway for the best one, needs_review, the skills
shown, or the error.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

TABULAR = {".csv", ".xlsx", ".xls", ".parquet"}
DOCUMENT_SEPARATORS = ",;|"


class BatchFileError(ValueError):
    """The file as a whole cannot be read (missing, wrong format, a named column absent)."""


@dataclass
class BatchItem:
    line: int  # JSONL line, or spreadsheet row (the header is row 1)
    id: object
    text: str | None = None
    language: str | None = None
    years_experience: float | None = None
    documents: tuple[str, ...] = ()
    error: str | None = None


def read_items(path: Path, text_column: str = "text", id_column: str = "id", language_column: str = "language",
               sheet: str | None = None) -> list[BatchItem]:
    path = Path(path)
    if not path.exists():
        raise BatchFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in TABULAR:
        return _read_table(path, suffix, text_column, id_column, language_column, sheet)
    return _read_jsonl(path)


def _read_jsonl(path: Path) -> list[BatchItem]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append(BatchItem(n, n, error=f"not JSON ({exc.msg})"))
            continue
        if not isinstance(d, dict) or not isinstance(d.get("text"), str):
            items.append(BatchItem(n, d.get("id", n) if isinstance(d, dict) else n, error='each line needs an object with "id" and "text"'))
            continue
        items.append(BatchItem(n, d.get("id", n), d["text"], d.get("language")))
    return items


def _read_table(path: Path, suffix: str, text_column: str, id_column: str, language_column: str,
                sheet: str | None) -> list[BatchItem]:
    import pandas as pd

    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python", encoding="utf-8-sig")
        elif suffix == ".parquet":  # an export of another system: its types become text, as a CSV's are
            frame = pd.read_parquet(path)
            frame = frame.astype(object).where(frame.notna(), "").astype(str)
        else:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, ImportError, OSError) as exc:
        raise BatchFileError(f"{path}: cannot read it as {suffix[1:].upper()} ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if text_column not in frame.columns:
        raise BatchFileError(f"{path}: no column {text_column!r} (columns: {', '.join(frame.columns)}); "
                             "name the narrative's column with --text-column")
    items = []
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2  # the header is row 1
        item_id = row.get(id_column) or line
        item = BatchItem(line, item_id, str(row[text_column]), (row.get(language_column) or "").strip() or None)
        years = str(row.get("years_experience", "")).strip().replace(",", ".")
        if years:
            try:
                item.years_experience = float(years)
            except ValueError:
                item.error = f"column 'years_experience': {years!r} is not a number"
        docs = str(row.get("documents", "")).strip()
        if docs:
            for sep in DOCUMENT_SEPARATORS:
                docs = docs.replace(sep, " ")
            item.documents = tuple(docs.split())
        items.append(item)
    return items


def result_line(item_id: object, result: dict) -> dict:
    """One output line of a batch: what `skillmatch match --output` documents."""
    return {"id": item_id, "occupations": result["occupations"], "skills": result["skills"], "needs_review": result["needs_review"],
            "review_reasons": result["review_reasons"], "taxonomy_version": result["taxonomy_version"],
            "model_version": result["model_version"]}


def write_results(path: Path, rows: list[dict]) -> None:
    """Atomically: the file appears complete or not at all."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    suffix = path.suffix.lower()
    try:
        if suffix in TABULAR:
            import pandas as pd

            frame = pd.DataFrame([_flat(r) for r in rows])
            if suffix == ".csv":
                frame.to_csv(tmp, index=False, encoding="utf-8")
            elif suffix == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_excel(tmp, index=False, engine="openpyxl")
        else:
            tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _flat(r: dict, top: int = 3) -> dict:
    """One spreadsheet row per person."""
    out = {"id": r.get("id"), "line": r.get("line")}
    if "error" in r:
        return {**out, "error": r["error"]}
    occs = r.get("occupations", [])
    for i in range(top):
        o = occs[i] if i < len(occs) else {}
        out[f"occupation_{i + 1}"] = o.get("label", "")
        out[f"isco_{i + 1}"] = o.get("isco_code", "") or ""
    out["pathway"] = r.get("pathway", "")
    out["needs_review"] = r.get("needs_review", False)
    out["review_reasons"] = "; ".join(r.get("review_reasons", []))
    out["skills"] = "; ".join(s["label"] for s in r.get("skills", []))
    out["error"] = ""
    return out
