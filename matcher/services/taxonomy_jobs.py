"""Import a taxonomy and build its index as one background job (the admin's long action)."""
from __future__ import annotations

from pathlib import Path

from ..jobs import Job
from ..settings import Settings
from ..skill_matcher import SkillMatcher
from ..taxonomy.esco_import import ImportProgress, import_bundle
from ..taxonomy.model import load_taxonomy


def start_import(settings: Settings, sessions, paths: list[Path], release: str, on_ready=None) -> str:  # noqa: ANN001
    """Import the files, then build (or load) the index of the new active taxonomy; ``on_ready``
    receives the fitted matcher, to swap it into the service."""
    job = Job(settings.data_dir, "taxonomy_import")

    def work(job: Job) -> dict:
        counter = {"stage": "", "done": 0, "total": None}

        def stage(name: str, total: int | None) -> None:
            counter.update(stage=name, done=0, total=total)
            job.progress(name, 0, total)

        def advance(n: int) -> None:
            counter["done"] += n
            job.progress(counter["stage"], counter["done"], counter["total"])

        with sessions() as session:
            result = import_bundle(session, paths, release=release, progress=ImportProgress(stage, advance))
            taxonomy = load_taxonomy(session)
        out = {"version_id": result.version_id, "created": result.created, "counts": result.counts, "warnings": result.warnings}
        m = SkillMatcher(encoder=settings.encoder, registry_dir=settings.registry_dir, max_chars=settings.max_text_chars)
        m.fit(taxonomy, progress=lambda s, d, t: job.progress(f"index: {s}", d, t))
        out["model_version"] = m.model_version
        if on_ready is not None:
            on_ready(m)
        return out

    return job.start(work)
