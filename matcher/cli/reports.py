"""`skillmatch stats export`: the analysts' tables as CSV or XLSX files (the analyst page's downloads)."""
from __future__ import annotations

from pathlib import Path

import typer

from matcher.accounts.actors import Role, command_line_actor
from matcher.cli.app import app
from matcher.cli.common import fail, out, sessions, settings

stats_app = typer.Typer(help="Analysts' statistics: aggregates only, never people.", no_args_is_help=True)
app.add_typer(stats_app, name="stats")


@stats_app.command("export")
def export(report: str = typer.Argument(..., help="outcomes (per ISCO group and language), measures (per organisation "
                                        "and month) or benchmarks (every model's evaluations and benchmarks)"),
           output: Path = typer.Option(..., "--output", help="a .csv or .xlsx file")) -> None:
    """Write one of the analyst page's tables to a CSV or Excel file (written whole or not at all)."""
    from matcher.accounts.audit import record
    from matcher.registry.store import Registry
    from matcher.reports.service import REPORTS, output_problem, report_frame, write_frame

    if report not in REPORTS:
        fail(f"no report {report!r}: one of {', '.join(REPORTS)}")
    if problem := output_problem(output):
        fail(problem)
    with sessions()() as db:
        frame = report_frame(report, db, Registry(settings().registry_dir))
        record(db, command_line_actor(Role.ANALYST, "cli reports"), "export", "report",
               detail={"report": report, "format": output.suffix.lower().lstrip("."), "rows": len(frame)})
        db.commit()
    write_frame(frame, output, report)
    out.print(f"{len(frame)} row(s) of {report} written to {output}")
