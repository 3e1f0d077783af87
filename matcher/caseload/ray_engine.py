"""Ray, started the way a batch needs it: local mode on this machine by default, a cluster by
``--address``; rows go through Ray Data's ``map_batches`` to a pool of workers that load the model
once, and come back as they finish, so the driver writes them in chunks while the rest run."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

NEEDS_RAY = "the batch jobs run on Ray: pip install -e '.[batch]' (ray[data]==2.60.0)"
# every worker process: one OpenMP thread that sleeps when idle (Ray gives each worker one CPU)
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "SKILLMATCH_ENCODER_THREADS": "1"}


class BatchError(RuntimeError):
    """A batch cannot start or go on (Ray missing or unreachable, a model that does not load)."""


def require_ray() -> Any:
    """Ray, or a BatchError that says how to install it (checked before a run writes anything)."""
    try:
        import ray
        import ray.data  # the extra that brings Ray Data
    except ImportError:
        raise BatchError(NEEDS_RAY) from None
    return ray


@contextmanager
def ray_session(address: str | None = None, workers: int = 1) -> Iterator[Any]:
    """Ray for one batch: joined when already started (tests, notebooks), else started here and shut
    down after. Local mode gets as many CPUs as workers (at least the machine's, when fewer)."""
    # a public office's batch does not report usage to Ray's makers (and has no internet to do so)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        try:
            if address:
                ray.init(address=address, runtime_env={"env_vars": WORKER_ENV}, logging_level=logging.WARNING,
                         log_to_driver=False, configure_logging=False)
            else:
                ray.init(num_cpus=max(workers, os.cpu_count() or 1), include_dashboard=False,
                         runtime_env={"env_vars": WORKER_ENV}, logging_level=logging.WARNING, log_to_driver=False,
                         configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BatchError(f"cannot start Ray{f' at {address}' if address else ''}: {exc}") from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the command shows its own progress
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def map_rows(ray: Any, rows: list[dict], worker: type, kwargs: dict, workers: int, batch_size: int) -> Iterator[list[dict]]:
    """``rows`` through a pool of ``workers`` instances of ``worker`` (each built once with
    ``kwargs``, one CPU each); yields batches of output rows as they are done, in any order."""
    if not rows:
        return
    blocks = min(max(workers * 2, -(-len(rows) // batch_size)), len(rows))
    ds = ray.data.from_items(rows, override_num_blocks=blocks)
    out = ds.map_batches(worker, fn_constructor_kwargs=kwargs, compute=ray.data.ActorPoolStrategy(size=min(workers, blocks)),
                         batch_size=batch_size, num_cpus=1)
    for batch in out.iter_batches(batch_size=None, batch_format="pandas"):
        yield batch.to_dict("records")
