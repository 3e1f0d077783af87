"""The vacancy suggestions of the latest finished nightly ranking, as an operator reads them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.accounts.permissions import Action, ensure
from matcher.caseload.models import BatchRun, VacancySuggestion
from matcher.caseload.runs import RunStatus
from matcher.people.access import get_person
from matcher.vacancies.models import Vacancy


def suggestions_for(session: Session, actor: Actor, person_id: int) -> dict:
    """The person's suggestions from the latest finished `skillmatch batch rank-vacancies` run, best
    first; vacancies closed since are left out. ``run`` is null when no run has finished."""
    ensure(actor, Action.CASEWORK, "only operators read a person's vacancy suggestions")
    person = get_person(session, actor, person_id)
    run = session.scalar(select(BatchRun).where(BatchRun.kind == "rank_vacancies", BatchRun.status == RunStatus.DONE)
                         .order_by(BatchRun.id.desc()))
    items = []
    if run is not None:
        rows = session.execute(select(VacancySuggestion, Vacancy).join(Vacancy, Vacancy.id == VacancySuggestion.vacancy_id)
                               .where(VacancySuggestion.run_id == run.id, VacancySuggestion.person_id == person.id,
                                      Vacancy.status == "open").order_by(VacancySuggestion.rank))
        items = [{"vacancy_id": v.id, "score": s.score, "factors": s.factors, "title": v.title, "municipality": v.municipality,
                  "province": v.province, "occupation_uri": v.occupation_uri, "isco_code": v.isco_code,
                  "contract_type": v.contract_type, "positions": v.positions, "is_shortage": v.is_shortage} for s, v in rows]
    record(session, actor, "read", "vacancy_suggestions", person.pseudonym, {"count": len(items)})
    session.commit()
    return {"person_id": person.id, "run": None if run is None else {"id": run.id, "finished_at": run.finished_at},
            "suggestions": items}
