"""`skillmatch db`: the database schema."""
from __future__ import annotations

import typer

from matcher.cli.app import app
from matcher.cli.common import fail, out, settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from matcher.db.migrate import current_revision, upgrade

    url = settings().resolved_database_url
    try:
        upgrade(url)
    except Exception as exc:  # noqa: BLE001
        fail(f"migration failed on {url!r}: {exc}")
    out.print(f"database at revision {current_revision(url)}")
