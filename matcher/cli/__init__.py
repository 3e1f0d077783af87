"""The ``skillmatch`` command, one module per command group; importing the package registers them all
(in the order `skillmatch --help` lists them: set-up, matching, serving, people, training, reports)."""
from matcher.cli import access, benchmark, db, evaluate, index, match, models, reports, serve, shortage, taxonomy, train, users  # noqa: F401
from matcher.cli.app import app, main

__all__ = ["app", "main"]
