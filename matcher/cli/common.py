"""What every command shares: the consoles, one-line failures, settings, the database, progress bars,
the active taxonomy and the matcher of a registry version."""
from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:  # imported where used: `skillmatch --help` must not load numpy and the models
    from sqlalchemy.orm import sessionmaker

    from matcher.matching.matcher import SkillMatcher
    from matcher.taxonomy.in_memory import Taxonomy

console = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> NoReturn:
    from rich.markup import escape

    # escaped: messages quote user input and install hints such as 'skillmatch[train]', not markup
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        fail(str(exc), 2)


def sessions() -> sessionmaker:
    from matcher.db.database import open_database

    try:
        return open_database(settings())
    except SettingsError as exc:
        fail(str(exc), 2)
    except Exception as exc:  # noqa: BLE001 - a database that cannot be reached is a user-facing error
        fail(f"cannot open the database {settings().resolved_database_url!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")


class _LoggedProgress(Progress):
    """Rich's live bar on a terminal. Written to a log (cron, CI, nohup, a container) the live bar
    shows only once, at the end: a 13-minute index build would look hung. There, a plain line is
    printed at every tenth of a task and at least every minute."""

    def __init__(self, *columns, **kwargs) -> None:  # noqa: ANN002, ANN003 - those of rich's Progress
        super().__init__(*columns, **kwargs)
        self._logged: dict[TaskID, tuple[str, int, float]] = {}  # task -> (its stage, last tenth printed, when)

    def update(self, task_id: TaskID, **kwargs) -> None:  # noqa: ANN003 - those of rich's Progress.update
        super().update(task_id, **kwargs)
        self._log(task_id)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log(task_id)

    def _log(self, task_id: TaskID) -> None:
        if self.console.is_terminal or self.disable:
            return
        task = next((t for t in self.tasks if t.id == task_id), None)
        if task is None or not task.total:
            return
        tenth, now = int(10 * task.completed / task.total), time.monotonic()
        stage, last_tenth, last_time = self._logged.get(task_id, (task.description, -1, now))
        if stage != task.description or tenth > last_tenth or now - last_time >= 60:
            self._logged[task_id] = (task.description, tenth, now)
            self.console.print(f"{task.description} {task.completed:.0f}/{task.total:.0f} "
                               f"({100 * task.completed / task.total:.0f}%, {task.elapsed or 0:.0f} s)", highlight=False)


def progress_bar() -> Progress:
    return _LoggedProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           console=console, transient=False, disable=not console.is_terminal and "pytest" in sys.modules)


def load_taxonomy() -> Taxonomy:
    from matcher.taxonomy.snapshot import load_taxonomy_cached

    with sessions()() as session:
        try:
            return load_taxonomy_cached(session, settings().registry_dir / "taxonomies")
        except LookupError as exc:
            fail(str(exc))


def matcher_for(encoder: str | None, rebuild: bool = False, build_if_missing: bool = True, model: str = "builtin") -> SkillMatcher:
    """The matcher of a registry version (``serving``, ``builtin`` or an id) on the active taxonomy."""
    from matcher.matching.encoders import EncoderError
    from matcher.matching.index import StaleIndexError
    from matcher.matching.matcher import SkillMatcher
    from matcher.registry.store import BUILTIN, Registry, RegistryError

    s = settings()
    taxonomy = load_taxonomy()
    registry = Registry(s.registry_dir)
    model_id = registry.serving("matcher") if model == "serving" else model
    try:
        model_path = None if model_id == BUILTIN else registry.get(model_id).path
    except RegistryError as exc:
        fail(str(exc))
    m = SkillMatcher(encoder=encoder or s.encoder, registry_dir=s.registry_dir, max_chars=s.max_text_chars,
                     rebuild=rebuild, build_if_missing=build_if_missing, encoder_threads=s.encoder_threads,
                     model=model_path)
    with progress_bar() as bar:
        # "loading index" until the build (if any) reports its first stage
        task = bar.add_task("loading index", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        try:
            m.fit(taxonomy, progress=progress)
        except (StaleIndexError, EncoderError, FileNotFoundError) as exc:
            bar.stop()
            fail(str(exc))
    return m


def metrics_table(title: str, metrics: dict) -> Table:
    t = Table("group", "n", "ISCO-4 hit@1", "ISCO-4 hit@5", "MRR", "ISCO-2 hit@1", title=title)
    for group in ("all", "it", "non-it"):
        if group in metrics:
            g = metrics[group]
            t.add_row(group, str(g["n"]), f"{g['hit@1']:.3f}", f"{g['hit@5']:.3f}", f"{g['mrr']:.3f}", f"{g['isco2_hit@1']:.3f}")
    return t


def registry_model(s, taxonomy, registry, model: str):  # noqa: ANN001, ANN201
    """A registry version (`serving`, `builtin` or an id) fitted on the taxonomy, and its id."""
    from matcher.matching.artifacts import ArtifactError
    from matcher.training.run import load_model

    model_id = registry.serving("matcher") if model == "serving" else model
    try:
        return load_model(s, taxonomy, model_id, registry), model_id
    except (ValueError, ArtifactError, FileNotFoundError) as exc:
        fail(str(exc))
