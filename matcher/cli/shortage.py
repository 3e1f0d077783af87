"""`skillmatch shortage import`: labour-shortage signals."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from matcher.cli.app import app
from matcher.cli.common import fail, out, sessions

shortage_app = typer.Typer(help="Labour-shortage signals.", no_args_is_help=True)
app.add_typer(shortage_app, name="shortage")


@shortage_app.command("import")
def shortage_import(path: Path,
                    format: str = typer.Option("skillmatch",  # noqa: A002 - the documented option
                                               help="skillmatch (one signal per row) or eures (shortage/surplus lists)"),
                    sheet: Optional[str] = typer.Option(None, help="Excel: the sheet's name or number (default: the first)"),
                    header_row: int = typer.Option(1, min=1, max=1000, help="the row that holds the column names"),
                    column: list[str] = typer.Option([], "--column", help="FIELD=COLUMN: the file's column for a field "
                                                     "(isco_code, occupation_uri, territory, indicator, source, period; eures: "
                                                     "isco_code, shortage_countries, surplus_countries); repeatable"),
                    territory: Optional[str] = typer.Option(None, help="the territory of every row (FI, 048 or IT)"),
                    source: Optional[str] = typer.Option(None, help="the source of every row (e.g. Unioncamere Excelsior)"),
                    period: Optional[str] = typer.Option(None, help="the period of every row (2025, 2025-Q3, 2025-10)"),
                    percent: bool = typer.Option(False, help="indicators are percentages (0-100)"),
                    country: str = typer.Option("IT", help="eures: the country whose lists count")) -> None:
    """Import shortage indicators from a CSV or Excel file; every bad row is named and nothing is written."""
    from matcher.vacancies.shortage import (
        ShortageFileError,
        ShortageOptions,
        already_imported,
        file_checksum,
        import_shortage,
        parse_columns,
        read_shortage_table,
    )

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        columns = parse_columns(column)
    except ShortageFileError as exc:
        fail(f"--{exc}")
    options = ShortageOptions(format=format, sheet=sheet, header_row=header_row, columns=columns, territory=territory,
                              source=source, period=period, percent=percent, country=country)
    raw = path.read_bytes()
    try:
        rows = read_shortage_table(raw, str(path), options)
    except ShortageFileError as exc:
        fail(str(exc) if len(exc.problems) > 1 else f"{exc}\nnothing was written.")
    checksum = file_checksum(raw, options)
    with sessions()() as session:
        earlier = already_imported(session, checksum)
        if earlier is not None:
            out.print(f"{path} was already imported (import {earlier[0]}, {earlier[1]:%Y-%m-%d %H:%M}): nothing written")
            return
        import_id = import_shortage(session, rows, checksum)
    out.print(f"imported {len(rows)} shortage signal(s) from {path} (import {import_id})")
