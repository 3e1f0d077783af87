"""A training started by an analyst over the API: a background job with progress, like an import."""
from __future__ import annotations

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.jobs import Job
from matcher.settings import Settings
from matcher.taxonomy.in_memory import load_taxonomy


def start_training(settings: Settings, sessions, actor: Actor, kind: str, examples: int, epochs: int) -> str:  # noqa: ANN001
    from matcher.pathway.training import train_pathway
    from matcher.training.outcomes import outcome_examples
    from matcher.training.run import TrainConfig, train

    job = Job(settings.data_dir, "training")

    def work(job: Job) -> dict:
        with sessions() as session:
            if kind == "pathway":
                info = train_pathway(settings, session, created_by=actor.username)
            else:
                taxonomy = load_taxonomy(session)
                outcomes = outcome_examples(session)
        if kind != "pathway":
            config = TrainConfig(kind=kind, encoder=settings.encoder, scorer_examples=examples, head_epochs=epochs,
                                 eval_file=str(settings.eval_file) if settings.eval_file else None)
            info = train(settings, taxonomy, config, created_by=actor.username, outcome_examples=outcomes, progress=job.progress)
        with sessions() as session:
            record(session, actor, "create", "model", detail={"model": info.id, "kind": kind, "job_id": job.state.id})
            session.commit()
        return {"model": info.id, "metrics": info.metrics}

    return job.start(work)
