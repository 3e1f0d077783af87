"""`skillmatch batch`: the whole caseload re-matched, and vacancies ranked for everyone, on Ray."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from matcher.cli.app import app
from matcher.cli.common import console, fail, load_taxonomy, out, progress_bar, sessions, settings

batch_app = typer.Typer(help="Batches over the whole caseload, on Ray (local mode, or a cluster with --address).",
                        no_args_is_help=True)
app.add_typer(batch_app, name="batch")

WORKERS = typer.Option(1, "--workers", min=1, max=1024, help="Ray workers, one CPU each (each loads the model once)")
ADDRESS = typer.Option(None, "--address", help="a Ray cluster (ray://host:10001 or auto); default: local mode on this machine")


def _progress(bar, task):  # noqa: ANN001, ANN202
    def progress(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done, total=total)
    return progress


def _print(summary: dict) -> None:
    for k, v in summary.items():
        out.print(f"{k}: {v}")


@batch_app.command("rematch")
def rematch(input: Optional[Path] = typer.Option(  # noqa: A002 - the documented option
                None, "--input", help="an export (JSONL, CSV, XLSX or Parquet; one narrative per row) instead of the database"),
            output: Optional[Path] = typer.Option(None, "--output", help="with --input: the folder of result parts (JSONL)"),
            text_column: str = typer.Option("text", help="CSV/XLSX/Parquet: the narrative's column"),
            id_column: str = typer.Option("id", help="CSV/XLSX/Parquet: the person's id column"),
            language_column: str = typer.Option("language", help="CSV/XLSX/Parquet: the narrative language's column"),
            model: str = typer.Option("serving", help="a registry version: serving, builtin or an id"),
            workers: int = WORKERS,
            chunk: int = typer.Option(100, min=1, max=100_000, help="results written per transaction (per part file)"),
            address: Optional[str] = ADDRESS) -> None:
    """Match every person's current profile again (after a promotion or a taxonomy release) and store
    the matches; profiles that already have a match from this model are skipped, so running it again
    resumes a run that stopped."""
    from matcher.accounts.actors import Role, command_line_actor
    from matcher.caseload.ray_engine import BatchError
    from matcher.matching.batch_io import BatchFileError

    if (input is None) != (output is None):
        fail("--input and --output go together (an export in, a folder of results out); without them the database is re-matched")
    s = settings()
    try:
        with progress_bar() as bar:
            progress = _progress(bar, bar.add_task("starting", total=None))
            if input is not None and output is not None:
                from matcher.caseload.export_files import rematch_export

                summary = rematch_export(input, output, settings=s, taxonomy=load_taxonomy(), model=model, workers=workers,
                                         chunk=chunk, address=address, progress=progress, text_column=text_column,
                                         id_column=id_column, language_column=language_column)
            else:
                from matcher.caseload.rematch import rematch_caseload

                summary = rematch_caseload(sessions(), command_line_actor(Role.ADMIN, "batch rematch"), settings=s,
                                           model=model, workers=workers, chunk=chunk, address=address, progress=progress)
    except (BatchError, BatchFileError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        console.print("interrupted: what was written stays; run the same command again to resume")
        raise typer.Exit(130) from None
    _print(summary)


@batch_app.command("rank-vacancies")
def rank_vacancies(workers: int = WORKERS,
                   top_k: int = typer.Option(20, min=1, max=200, help="suggestions kept per person"),
                   max_km: Optional[float] = typer.Option(None, min=0, help="only vacancies within this distance"),
                   chunk: int = typer.Option(500, min=1, max=100_000, help="persons written per transaction"),
                   address: Optional[str] = ADDRESS) -> None:
    """Rank the open vacancies for every person from their latest stored match, and keep the top ones
    as the suggestions operators read (GET /persons/{id}/vacancy-suggestions); running it again resumes
    a run that stopped."""
    from matcher.accounts.actors import Role, command_line_actor
    from matcher.caseload.rank_vacancies import rank_caseload
    from matcher.caseload.ray_engine import BatchError

    try:
        with progress_bar() as bar:
            summary = rank_caseload(sessions(), command_line_actor(Role.ADMIN, "batch rank-vacancies"), settings=settings(),
                                    workers=workers, chunk=chunk, top_k=top_k, max_km=max_km, address=address,
                                    progress=_progress(bar, bar.add_task("starting", total=None)))
    except BatchError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        console.print("interrupted: what was written stays; run the same command again to resume")
        raise typer.Exit(130) from None
    _print(summary)
