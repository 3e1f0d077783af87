"""The ``skillmatch`` command, one module per command group; importing the package registers them all
(in the order `skillmatch --help` lists them: set-up, matching, serving, people, training, reports)."""
# isort: off
from matcher.cli import db, taxonomy, index, match, batch, serve, users, access, shortage, evaluate, train, registry, benchmark, reports  # noqa: F401
# isort: on
from matcher.cli.app import app, main

__all__ = ["app", "main"]
