"""`skillmatch serve`: the HTTP API under uvicorn."""
from __future__ import annotations

from typing import Optional

import typer

from matcher.cli.app import app
from matcher.cli.common import fail, settings
from matcher.settings import SettingsError


@app.command("serve")
def serve(host: Optional[str] = typer.Option(None), port: Optional[int] = typer.Option(None),
          workers: Optional[int] = typer.Option(None)) -> None:
    """Run the HTTP API (uvicorn); host, port and workers default to the settings."""
    from api.server import WorkerStartError
    from api.server import serve as serve_api
    from matcher.db.migrate import upgrade

    s = settings()
    try:
        from matcher.accounts.tokens import resolve_secret
        from matcher.db.database import keyring_for

        resolve_secret(s)
        keyring_for(s)  # refuses to start in production without the master key; makes it once in development
        upgrade(s.resolved_database_url)
    except SettingsError as exc:
        fail(str(exc), 2)
    n = workers or s.workers
    import os

    os.environ["SKILLMATCH_WORKERS"] = str(n)  # the workers' own settings see how many they are
    try:
        serve_api(host or s.host, port or s.port, n, s.log_level.lower())
    except OSError as exc:
        fail(f"cannot listen on {host or s.host}:{port or s.port}: {exc.strerror or exc}")
    except WorkerStartError as exc:
        fail(str(exc))
