"""`skillmatch taxonomy`: import, list and activate ESCO taxonomy versions."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from matcher.cli.app import app
from matcher.cli.common import console, fail, out, progress_bar, sessions

taxonomy_app = typer.Typer(help="ESCO taxonomy versions.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")


@taxonomy_app.command("import")
def taxonomy_import(
    paths: list[Path] = typer.Argument(..., help="ESCO CSV bundle folders, ZIP files or CSV files, one per language"),
    version: str = typer.Option("unspecified", "--version", help="ESCO release, e.g. v1.2.0"),
    activate: bool = typer.Option(True, help="make the new version the active one"),
    extra: list[Path] = typer.Option([], "--extra", help="folder or file of labels in more languages from another "
                                     "ESCO release (e.g. v1.0.8 Spanish occupations): merged by concept URI, repeatable"),
) -> None:
    """Import the official ESCO CSV bundle (one or more languages) as a new taxonomy version."""
    from matcher.taxonomy.errors import BundleError
    from matcher.taxonomy.esco_import import ImportProgress, import_bundle

    factory = sessions()
    with progress_bar() as bar:
        task: dict[str, Any] = {"id": None}

        def stage(name: str, total: int | None) -> None:
            if task["id"] is not None:
                bar.update(task["id"], completed=bar.tasks[task["id"]].total or 0)
            task["id"] = bar.add_task(name, total=total)

        prog = ImportProgress(on_stage=stage, on_advance=lambda n: bar.advance(task["id"], n))
        try:
            with factory() as session:
                result = import_bundle(session, paths, release=version, activate=activate, progress=prog,
                                       extra_paths=extra)
        except BundleError as exc:
            bar.stop()
            fail(f"{exc}\nnothing was written.")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for note in result.merged:
        console.print(note, highlight=False)
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
    from matcher.taxonomy.esco_import import list_versions

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
    from matcher.taxonomy.esco_import import activate_version

    with sessions()() as session:
        try:
            v = activate_version(session, version_id)
        except LookupError as exc:
            fail(str(exc))
    out.print(f"taxonomy version {v.id} ({v.release}) is now active")
