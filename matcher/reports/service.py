"""Analysts' tables as pandas DataFrames, and the CSV/XLSX files made from them: the same tables
for the analyst page's downloads and `skillmatch stats export`. Aggregates only: no person, no
pseudonym, no free text."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.accounts.models import Organisation
from matcher.network.service import measure_stats
from matcher.people.service import DECISION_STATUSES as OUTCOME_STATUSES
from matcher.people.service import outcome_stats
from matcher.registry.service import list_models
from matcher.registry.store import Registry

REPORTS = ("outcomes", "measures", "benchmarks")
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
METRIC_COLUMNS = ("n", "hit@1", "hit@5", "mrr", "isco2_hit@1", "acc@1", "acc@5", "rp@5", "precision", "recall", "f1", "accuracy")


def organisation_names(session: Session) -> dict[int, str]:
    return {oid: name for oid, name in session.execute(select(Organisation.id, Organisation.name))}


def outcomes_frame(session: Session, group_digits: int = 1):  # noqa: ANN201 - a pandas DataFrame
    """One row per ISCO group and per narrative language, one column per decision status."""
    import pandas as pd

    stats = outcome_stats(session, group_digits)
    rows = [{"breakdown": "isco_group", "group": g, **{s: c.get(s, 0) for s in OUTCOME_STATUSES}}
            for g, c in stats["by_isco_group"].items()]
    rows += [{"breakdown": "language", "group": g, **{s: c.get(s, 0) for s in OUTCOME_STATUSES}}
             for g, c in stats["by_language"].items()]
    return pd.DataFrame(rows, columns=["breakdown", "group", *OUTCOME_STATUSES])


def measures_frame(session: Session):  # noqa: ANN201
    """Measures per organisation (by name), month and kind."""
    import pandas as pd

    names = organisation_names(session)
    counts = measure_stats(session)["counts"]
    return pd.DataFrame([{"organisation": names.get(r["organisation_id"], str(r["organisation_id"])), "period": r["period"],
                          "measure": r["kind"], "count": r["count"]} for r in counts],
                        columns=["organisation", "period", "measure", "count"])


def benchmarks_frame(registry: Registry):  # noqa: ANN201
    """Every evaluation and benchmark kept in the registry: one row per model version and set."""
    import pandas as pd

    listing = list_models(registry)
    rows = []
    for m in listing["models"]:
        for name, metrics in m["metrics"].items():
            values = metrics.get("all", metrics) if isinstance(metrics, dict) else {}
            row = {"model": m["id"], "slot": m["slot"], "kind": m["kind"], "serving": bool(m["serving"]),
                   "evaluation": name}
            row.update({k: values[k] for k in METRIC_COLUMNS if isinstance(values.get(k), (int, float))})
            rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["model", "slot", "kind", "serving", "evaluation", *METRIC_COLUMNS])
    return frame


def report_frame(name: str, session: Session, registry: Registry):  # noqa: ANN201
    if name == "outcomes":
        return outcomes_frame(session)
    if name == "measures":
        return measures_frame(session)
    if name == "benchmarks":
        return benchmarks_frame(registry)
    raise ValueError(f"no report {name!r}: one of {', '.join(REPORTS)}")


def frame_bytes(frame, fmt: str, sheet: str = "data") -> bytes:  # noqa: ANN001
    """CSV (UTF-8 with a byte-order mark, so that Excel opens accents right) or XLSX."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name=sheet[:31], engine="openpyxl")
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}: csv or xlsx")


def output_problem(path: Path) -> str | None:
    """Why a table cannot be written to ``path`` (said before any work), or None."""
    if Path(path).suffix.lower().lstrip(".") not in FORMATS:
        return f"{path}: write a .csv or .xlsx file"
    if not Path(path).parent.is_dir():
        return f"{Path(path).parent}: no such folder"
    return None


def write_frame(frame, path: Path, sheet: str = "data") -> None:  # noqa: ANN001
    """Atomically, in the format the file name says (.csv or .xlsx)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    data = frame_bytes(frame, fmt, sheet)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
