"""`skillmatch evaluate`: a model version on held-out ESCO examples or narratives."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from matcher.cli.app import app
from matcher.cli.common import fail, load_taxonomy, matcher_for, metrics_table, out, progress_bar, registry_model, sessions, settings


def _eval_set(eval_spec: str, since: Optional[str], taxonomy):  # noqa: ANN001, ANN202
    """A narratives JSONL file, ``titles``/``skills`` (ESCO examples held out of training) or
    ``outcomes`` (recorded outcomes since ``--since``, held out by time)."""
    from matcher.benchmarks.evaluation import EvalFileError, read_narratives
    from matcher.training.run import eval_name, heldout_narratives

    if eval_spec in ("titles", "skills"):
        return f"esco-{eval_spec}-heldout", heldout_narratives(taxonomy, eval_spec)
    if eval_spec == "outcomes":
        from datetime import datetime

        from matcher.training.outcomes import outcome_narratives

        if not since:
            fail("--eval outcomes needs --since YYYY-MM-DD: the outcomes recorded from that day on are the held-out set")
        try:
            day = datetime.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)")
        with sessions()() as session:
            narratives = outcome_narratives(session, day)
        if not narratives:
            fail(f"no positive outcomes recorded since {since}: nothing to evaluate on")
        return f"outcomes-since-{since}", narratives
    try:
        return eval_name(eval_spec) if Path(eval_spec).exists() else eval_spec, read_narratives(Path(eval_spec))
    except EvalFileError as exc:
        fail(str(exc))


@app.command("evaluate")
def evaluate(model: str = typer.Argument("serving", help="a model id from `skillmatch models list`, `serving` or `builtin`"),
             eval_spec: str = typer.Option(..., "--eval", help="a JSONL file ({\"id\", \"text\", \"isco\": [...], \"lang\"?} "
                                           "per line), `titles`, `skills` or `outcomes`"),
             since: Optional[str] = typer.Option(None, help="with --eval outcomes: the first day of the held-out outcomes"),
             encoder: Optional[str] = typer.Option(None, help="evaluate the untrained matcher with this encoder instead"),
             save: bool = typer.Option(True, help="keep the metrics in the registry (promotion compares them)")) -> None:
    """Report ISCO-4 hit@1/hit@5/MRR and ISCO-2 hit@1, overall and per language group, on an evaluation set."""
    from matcher.benchmarks.evaluation import evaluate_matcher
    from matcher.registry.store import Registry

    s = settings()
    taxonomy = load_taxonomy()
    name, narratives = _eval_set(eval_spec, since, taxonomy)
    registry = Registry(s.registry_dir)
    if encoder:
        m, model_id = matcher_for(encoder), None
    else:
        m, model_id = registry_model(s, taxonomy, registry, model)
    with progress_bar() as bar:
        task = bar.add_task("evaluating", total=len(narratives))
        metrics = evaluate_matcher(m, narratives, progress=lambda stage, d, t: bar.update(task, completed=d))
    if model_id is not None and save:
        registry.set_metrics(model_id, name, metrics)
    out.print(metrics_table(f"{m.model_version} on {name}", metrics))
