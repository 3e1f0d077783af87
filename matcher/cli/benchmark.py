"""`skillmatch benchmark`: the public benchmarks and the project's narratives in one table."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from matcher.cli.app import app
from matcher.cli.common import fail, load_taxonomy, out, progress_bar, registry_model, settings


@app.command("benchmark")
def benchmark(names: Optional[list[str]] = typer.Argument(None, help="sets to run (default: all); see --list"),
              model: str = typer.Option("serving", help="a registry model id, `serving` or `builtin`"),
              split: str = typer.Option("report", help="report (test parts) or tune (validation parts)"),
              benchmarks: Path = typer.Option(Path("../shared/benchmarks"), envvar="SKILLMATCH_BENCHMARKS_DIR",
                                              help="the folder of the public benchmarks"),
              eval_dir: Optional[Path] = typer.Option(Path("../shared/eval"), envvar="SKILLMATCH_EVAL_DIR",
                                                      help="the folder with narratives_dev.jsonl and skills_dev.jsonl"),
              limit: Optional[int] = typer.Option(None, help="at most N queries per set (a fixed hash sample)"),
              list_sets: bool = typer.Option(False, "--list", help="list the sets and their splits"),
              save: bool = typer.Option(True, help="keep the results in the registry with the model"),
              output: Optional[Path] = typer.Option(None, "--output", help="also write the table to a .csv or .xlsx file")) -> None:
    """acc@1 / acc@5 / MRR (occupations, concept level), MRR / RP@5 (skills, as WorkRB), ISCO-4 for the
    narratives, with the published numbers of each set beside ours."""
    from matcher.benchmarks.report import DEFAULT_SETS, HEADER, run_benchmarks, table_rows
    from matcher.benchmarks.sets import SETS, BenchmarkDataError
    from matcher.registry.store import Registry

    if list_sets:
        for bset in SETS.values():
            out.print(f"{bset.name:18} {bset.kind:10} {bset.language:6} {bset.source}")
        return
    chosen = names or DEFAULT_SETS
    unknown = [n for n in chosen if n not in SETS]
    if unknown:
        fail(f"no benchmark set {unknown[0]!r}: choose from {', '.join(SETS)}")
    if split not in ("report", "tune"):
        fail("--split is report or tune")
    if output is not None:
        from matcher.reports.service import output_problem

        if problem := output_problem(output):
            fail(problem)
    s = settings()
    taxonomy = load_taxonomy()
    registry = Registry(s.registry_dir)
    m, model_id = registry_model(s, taxonomy, registry, model)
    with progress_bar() as bar:
        task = bar.add_task("benchmarks", total=None)
        try:
            results = run_benchmarks(m, chosen, split, benchmarks, eval_dir, limit,
                                     lambda stage, d, t: bar.update(task, description=stage, completed=d, total=t))
        except BenchmarkDataError as exc:
            fail(str(exc))
    t = Table(title=f"{m.model_version} · {split} splits")
    for h in HEADER:
        t.add_column(h)
    rows = table_rows(results, benchmarks)
    for row in rows:
        t.add_row(*row)
    out.print(t)
    if output is not None:
        import pandas as pd

        from matcher.reports.service import write_frame

        write_frame(pd.DataFrame(rows, columns=list(HEADER)), output, "benchmarks")
        out.print(f"table written to {output}")
    for r in results:
        for note in r.notes:
            out.print(f"{r.name}: {note}")
        if save and r.metrics.get("n"):
            registry.set_metrics(model_id, f"benchmark:{r.name}:{r.split}", r.metrics)
