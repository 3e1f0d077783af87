"""The root ``skillmatch`` command and its entry point; each command group lives in its own module."""
from __future__ import annotations

import typer

from matcher.cli.common import console

app = typer.Typer(help="skillmatch: informal competences to ESCO skills, occupations and vacancies.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


def main() -> None:
    """Entry point: any unexpected failure becomes one line, not a stack trace."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        console.print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:
        import os

        if os.environ.get("SKILLMATCH_LOG_LEVEL", "").upper() == "DEBUG":
            raise
        console.print(f"[bold red]error:[/] {exc.__class__.__name__}: {exc}", highlight=False)
        raise SystemExit(1) from None
