"""`skillmatch models`: the registry's versions: list, show, promote, add, roll back."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from matcher.accounts.actors import Role, command_line_actor
from matcher.cli.app import app
from matcher.cli.common import fail, out, sessions, settings

models_app = typer.Typer(help="Trained model versions: list, show, promote, roll back.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """The model versions in the registry, which one serves, and their main metrics."""
    from matcher.registry.service import list_models
    from matcher.registry.store import Registry

    data = list_models(Registry(settings().registry_dir))
    t = Table()
    t.add_column("model", no_wrap=True)
    for col in ("slot", "kind", "created", "serving", "evaluation", "hit@1", "MRR"):
        t.add_column(col, overflow="fold")
    for m in data["models"]:
        rows = [(n, v) for n, v in m["metrics"].items() if n != "esco-train-sample"] or [("", {})]
        for i, (name, v) in enumerate(rows):
            a = v.get("all", {})
            t.add_row(m["id"] if i == 0 else "", m["slot"] if i == 0 else "", m["kind"] if i == 0 else "",
                      (m["created_at"] or "")[:16] if i == 0 else "", ("yes" if m["serving"] else "") if i == 0 else "",
                      name, f"{a['hit@1']:.3f}" if a else (f"{v['accuracy']:.3f}" if "accuracy" in v else ""),
                      f"{a['mrr']:.3f}" if a else "")
    out.print(t)


@models_app.command("show")
def models_show(model: str) -> None:
    """A model's card."""
    from matcher.registry.store import BUILTIN, Registry, RegistryError

    try:
        info = Registry(settings().registry_dir).get(model)
    except RegistryError as exc:
        fail(str(exc))
    out.print(info.params if model == BUILTIN else (info.folder / "README.md").read_text(encoding="utf-8"), markup=False)


@models_app.command("promote")
def models_promote(model: str, force: bool = typer.Option(False, help="promote even if it is not better (audited)"),
                   reason: Optional[str] = typer.Option(None, help="why (required with --force)"),
                   eval_name: Optional[str] = typer.Option(
                       None, "--on", help="the evaluation to compare on (default: the most telling one both have)")) -> None:
    """Make a model version serve, if it is better than the serving one on the same evaluation."""
    from matcher.errors import ServiceError
    from matcher.registry.service import promote
    from matcher.registry.store import Registry

    with sessions()() as session:
        try:
            r = promote(session, command_line_actor(Role.ANALYST, "cli models promote"), Registry(settings().registry_dir), model,
                        force, reason, eval_name)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"{model} serves now (was {r['previous']}); on {r['evaluation']}: hit@1 {r['candidate_score']['hit@1']:.3f} "
              f"vs {r['serving_score']['hit@1']:.3f}{' — FORCED' if r['forced'] else ''}. Running services switch within seconds.")


@models_app.command("add")
def models_add(folder: Path = typer.Argument(..., help="a model version folder, e.g. models/matcher-narratives"),
               serve: bool = typer.Option(False, "--serve",
                                          help="make it serve at once (audited, with the model card's numbers as the reason)")) -> None:
    """Add a model version made elsewhere (one shipped with skillmatch in models/) to the registry."""
    from matcher.errors import ServiceError
    from matcher.matching.artifacts import ArtifactError
    from matcher.registry.service import promote
    from matcher.registry.store import Registry, RegistryError

    registry = Registry(settings().registry_dir)
    try:
        info = registry.add_folder(folder)
    except (RegistryError, ArtifactError) as exc:
        fail(str(exc))
    out.print(f"added {info.id} ({info.kind}) to the registry")
    if serve:
        with sessions()() as session:
            try:
                promote(session, command_line_actor(Role.ANALYST, "cli models add"), registry, info.id, force=True,
                        reason=f"installed from {folder}: see its model card for the evaluation")
            except ServiceError as exc:
                fail(str(exc))
        out.print(f"{info.id} serves now")


@models_app.command("rollback")
def models_rollback(slot: str = typer.Option("matcher", help="matcher or pathway")) -> None:
    """Return to the version that served before the current one."""
    from matcher.errors import ServiceError
    from matcher.registry.service import rollback
    from matcher.registry.store import Registry

    with sessions()() as session:
        try:
            r = rollback(session, command_line_actor(Role.ANALYST, "cli models rollback"), Registry(settings().registry_dir), slot)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"{r['model']} serves again (was {r['previous']}).")
