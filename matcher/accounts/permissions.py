"""Who may do what: one table, read by the API's dependencies, the web pages and the services.

A role grants actions; which records an action reaches is the feature's own rule (an operator
reads the persons of their organisation: ``matcher.people.access``; an employer its vacancies)."""
from __future__ import annotations

from enum import StrEnum

from matcher.accounts.actors import Actor, Role
from matcher.errors import Forbidden


class Action(StrEnum):
    CASEWORK = "casework"  # persons, profiles, stored matches, decisions, cards, referrals, internships
    MATCH_TEXT = "match_text"  # match a text without storing anything
    ERASE_PERSON = "erase_person"
    MANAGE_VACANCIES = "manage_vacancies"  # post, edit and close the organisation's vacancies
    READ_VACANCIES = "read_vacancies"
    READ_SHORTAGE = "read_shortage"
    READ_NETWORK = "read_network"  # the organisations of the network
    READ_INTERNSHIP = "read_internship"
    ASSESS_INTERNSHIP = "assess_internship"
    ADMINISTER = "administer"  # users, organisations, taxonomy imports, audit, shortage imports
    ANALYSE = "analyse"  # models (train, promote, roll back), statistics, reports
    READ_ANALYSIS = "read_analysis"  # the analyst's pages and exports
    FOLLOW_JOBS = "follow_jobs"  # the progress of an import or a training run
    RUN_BATCHES = "run_batches"  # re-match the whole caseload, rank vacancies for everyone (skillmatch batch)


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.CASEWORK: frozenset({Role.OPERATOR}),
    Action.MATCH_TEXT: frozenset({Role.OPERATOR, Role.ANALYST, Role.ADMIN}),
    Action.ERASE_PERSON: frozenset({Role.OPERATOR, Role.ADMIN}),
    Action.MANAGE_VACANCIES: frozenset({Role.EMPLOYER}),
    Action.READ_VACANCIES: frozenset({Role.EMPLOYER, Role.OPERATOR}),
    Action.READ_SHORTAGE: frozenset({Role.ANALYST, Role.OPERATOR, Role.EMPLOYER}),
    Action.READ_NETWORK: frozenset({Role.OPERATOR, Role.EMPLOYER, Role.ANALYST}),
    Action.READ_INTERNSHIP: frozenset({Role.OPERATOR, Role.EMPLOYER}),
    Action.ASSESS_INTERNSHIP: frozenset({Role.EMPLOYER}),
    Action.ADMINISTER: frozenset({Role.ADMIN}),
    Action.ANALYSE: frozenset({Role.ANALYST}),
    Action.READ_ANALYSIS: frozenset({Role.ANALYST, Role.ADMIN}),
    Action.FOLLOW_JOBS: frozenset({Role.ADMIN, Role.ANALYST}),
    Action.RUN_BATCHES: frozenset({Role.ADMIN}),
}


def may(actor: Actor, action: Action) -> bool:
    return actor.role in PERMISSIONS[action]


def ensure(actor: Actor, action: Action, why: str | None = None) -> None:
    """Raise ``Forbidden`` unless the actor's role grants the action; ``why`` replaces the default reason."""
    if not may(actor, action):
        needs = " or ".join(sorted(PERMISSIONS[action]))
        raise Forbidden(why or f"role {actor.role} may not do this (needs {needs})")
