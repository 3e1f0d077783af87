"""The ``skillmatch`` command: every job of the service, from set-up to serving."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .settings import SettingsError, get_settings

app = typer.Typer(help="skillmatch: informal competences to ESCO skills, occupations and vacancies.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
taxonomy_app = typer.Typer(help="ESCO taxonomy versions.", no_args_is_help=True)
index_app = typer.Typer(help="Search indexes of the matcher.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(index_app, name="index")

console = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings():
    try:
        return get_settings()
    except SettingsError as exc:
        fail(str(exc), 2)


def sessions():
    from .db.service import open_database

    try:
        return open_database(settings())
    except Exception as exc:  # noqa: BLE001 - a database that cannot be reached is a user-facing error
        fail(f"cannot open the database {settings().resolved_database_url!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False, disable=not console.is_terminal and "pytest" in sys.modules)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from .db.migrate import current_revision, upgrade

    url = settings().resolved_database_url
    try:
        upgrade(url)
    except Exception as exc:  # noqa: BLE001
        fail(f"migration failed on {url!r}: {exc}")
    out.print(f"database at revision {current_revision(url)}")


@taxonomy_app.command("import")
def taxonomy_import(
    paths: list[Path] = typer.Argument(..., help="ESCO CSV bundle folders, ZIP files or CSV files, one per language"),
    version: str = typer.Option("unspecified", "--version", help="ESCO release, e.g. v1.2.0"),
    activate: bool = typer.Option(True, help="make the new version the active one"),
) -> None:
    """Import the official ESCO CSV bundle (one or more languages) as a new taxonomy version."""
    from .taxonomy.errors import BundleError
    from .taxonomy.esco_import import ImportProgress, import_bundle

    factory = sessions()
    with progress_bar() as bar:
        task = {"id": None}

        def stage(name: str, total: int | None) -> None:
            if task["id"] is not None:
                bar.update(task["id"], completed=bar.tasks[task["id"]].total or 0)
            task["id"] = bar.add_task(name, total=total)

        prog = ImportProgress(on_stage=stage, on_advance=lambda n: bar.advance(task["id"], n))
        try:
            with factory() as session:
                result = import_bundle(session, paths, release=version, activate=activate, progress=prog)
        except BundleError as exc:
            bar.stop()
            fail(f"{exc}\nnothing was written.")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    if not result.created:
        out.print(f"these files were already imported as taxonomy version {result.version_id}"
                  f"{' (active)' if result.active else ''}: nothing to do.")
        return
    c = result.counts
    out.print(f"imported taxonomy version {result.version_id} ({version}) in {result.seconds:.1f} s: "
              f"{c['occupations']} occupations, {c['skills']} skills, {c['isco_groups']} ISCO groups, "
              f"{c['skill_groups']} skill groups, {c['labels']} labels, {c['essential']} essential + "
              f"{c['optional']} optional occupation-skill relations, {c['relations']} other relations"
              f"{'; now active' if result.active else ''}.")


@taxonomy_app.command("list")
def taxonomy_list() -> None:
    """Show the imported taxonomy versions."""
    from .taxonomy.esco_import import list_versions

    with sessions()() as session:
        versions = list_versions(session)
    table = Table("id", "release", "languages", "occupations", "skills", "imported", "active")
    for v in versions:
        table.add_row(str(v.id), v.release, v.languages, str(v.counts.get("occupations")), str(v.counts.get("skills")),
                      v.created_at.strftime("%Y-%m-%d %H:%M"), "*" if v.is_active else "")
    out.print(table if versions else "no taxonomy imported yet: run `skillmatch taxonomy import PATH`")


@taxonomy_app.command("activate")
def taxonomy_activate(version_id: int) -> None:
    """Make an imported taxonomy version the active one."""
    from .taxonomy.esco_import import activate_version

    with sessions()() as session:
        try:
            v = activate_version(session, version_id)
        except LookupError as exc:
            fail(str(exc))
    out.print(f"taxonomy version {v.id} ({v.release}) is now active")


def main() -> None:
    """Entry point: any unexpected failure becomes one line, not a stack trace."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        console.print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001
        import os

        if os.environ.get("SKILLMATCH_LOG_LEVEL", "").upper() == "DEBUG":
            raise
        console.print(f"[bold red]error:[/] {exc.__class__.__name__}: {exc}", highlight=False)
        raise SystemExit(1) from None
