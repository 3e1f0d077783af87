"""Starting, resuming and closing a batch run. A run that did not finish (killed, failed) is taken
up by the next one of the same kind on the same versions and parameters: what it wrote stays,
and the work that remains is what has no result yet."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.caseload.models import BatchRun
from matcher.db.base import utcnow

Progress = Callable[[str, int, int], None]


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def start_run(session: Session, kind: str, model_version: str | None, taxonomy_version: int, params: dict) -> tuple[BatchRun, bool]:
    """The unfinished run to resume (same kind, versions and parameters), else a new one; and
    whether it is resumed. Committed, so that a kill at any later point leaves it to resume."""
    unfinished = session.scalars(select(BatchRun).where(
        BatchRun.kind == kind, BatchRun.status != RunStatus.DONE, BatchRun.taxonomy_version == taxonomy_version,
        BatchRun.model_version == model_version if model_version is not None else BatchRun.model_version.is_(None),
    ).order_by(BatchRun.id.desc()))
    run = next((r for r in unfinished if r.params == params), None)
    resumed = run is not None
    if run is None:
        run = BatchRun(kind=kind, status=RunStatus.RUNNING, model_version=model_version, taxonomy_version=taxonomy_version,
                       params=params)
        session.add(run)
    else:
        run.status, run.attempts, run.error = RunStatus.RUNNING, run.attempts + 1, None
    session.commit()
    return run, resumed


def fail_run(session: Session, run_id: int, error: BaseException) -> None:
    session.rollback()
    run = session.get(BatchRun, run_id)
    if run is not None:
        run.status, run.error = RunStatus.FAILED, f"{error.__class__.__name__}: {error}"[:500]
        session.commit()


def finish_run(session: Session, run: BatchRun) -> None:
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    session.commit()


def summary(run: BatchRun, resumed: bool, **extra: object) -> dict:
    return {"run_id": run.id, "kind": run.kind, "status": run.status, "resumed": resumed, "attempts": run.attempts,
            "done": run.done, "failed": run.failed, "model_version": run.model_version,
            "taxonomy_version": run.taxonomy_version, **extra}
