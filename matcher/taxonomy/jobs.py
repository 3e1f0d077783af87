"""Import a taxonomy and build its index as one background job (the admin's long action)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from matcher.jobs import Job
from matcher.matching.matcher import SkillMatcher
from matcher.settings import Settings
from matcher.taxonomy.esco_import import ImportProgress, activate_version, import_bundle
from matcher.taxonomy.in_memory import load_taxonomy


def start_import(settings: Settings, sessions, paths: list[Path], release: str, on_ready=None,  # noqa: ANN001
                 cleanup: Path | None = None) -> str:
    """Import the files as an inactive version, build (or load) its index, and only then make it
    active: a bundle that imports but cannot be indexed never becomes the version the service
    reads at start. ``on_ready`` receives the fitted matcher, to swap it into the service;
    ``cleanup`` (the upload folder) is deleted when the job ends, whatever the outcome."""
    job = Job(settings.data_dir, "taxonomy_import")

    def work(job: Job) -> dict:
        counter: dict[str, Any] = {"stage": "", "done": 0, "total": None}

        def stage(name: str, total: int | None) -> None:
            counter.update(stage=name, done=0, total=total)
            job.progress(name, 0, total)

        def advance(n: int) -> None:
            counter["done"] += n
            job.progress(counter["stage"], counter["done"], counter["total"])

        try:
            with sessions() as session:
                result = import_bundle(session, paths, release=release, activate=False,
                                       progress=ImportProgress(stage, advance), max_unpacked_bytes=settings.max_unpacked_bytes)
                taxonomy = load_taxonomy(session, result.version_id)
            out = {"version_id": result.version_id, "created": result.created, "counts": result.counts, "warnings": result.warnings}
            m = SkillMatcher(encoder=settings.encoder, registry_dir=settings.registry_dir, max_chars=settings.max_text_chars)
            m.fit(taxonomy, progress=lambda s, d, t: job.progress(f"index: {s}", d, t))
            with sessions() as session:
                activate_version(session, result.version_id)
            out["model_version"], out["active"] = m.model_version, True
            if on_ready is not None:
                on_ready(m)
            return out
        finally:
            if cleanup is not None:
                shutil.rmtree(cleanup, ignore_errors=True)

    return job.start(work)
