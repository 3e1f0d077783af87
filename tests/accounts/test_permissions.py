"""The permission table: every action names who may do it, the API and the pages read the same
table, and a refusal says which roles would be allowed."""
from __future__ import annotations

import pytest

from matcher.accounts.actors import Actor, Role
from matcher.accounts.permissions import PERMISSIONS, Action, ensure, may
from matcher.errors import Forbidden


def actor(role: Role) -> Actor:
    return Actor(1, "someone", role, 1)


def test_every_action_is_granted_to_someone_and_only_to_known_roles():
    assert set(PERMISSIONS) == set(Action)
    for action, roles in PERMISSIONS.items():
        assert roles and roles <= set(Role), action


@pytest.mark.parametrize(("role", "action", "allowed"), [
    (Role.OPERATOR, Action.CASEWORK, True), (Role.EMPLOYER, Action.CASEWORK, False), (Role.ADMIN, Action.CASEWORK, False),
    (Role.ADMIN, Action.ERASE_PERSON, True), (Role.ANALYST, Action.ERASE_PERSON, False),
    (Role.EMPLOYER, Action.MANAGE_VACANCIES, True), (Role.OPERATOR, Action.MANAGE_VACANCIES, False),
    (Role.ANALYST, Action.MATCH_TEXT, True), (Role.EMPLOYER, Action.MATCH_TEXT, False),
    (Role.ANALYST, Action.ANALYSE, True), (Role.ADMIN, Action.ANALYSE, False), (Role.ADMIN, Action.READ_ANALYSIS, True),
])
def test_roles_get_what_their_work_needs_and_no_more(role, action, allowed):
    assert may(actor(role), action) is allowed


def test_a_refusal_names_the_roles_that_may():
    with pytest.raises(Forbidden, match="role employer may not do this \\(needs admin or operator\\)"):
        ensure(actor(Role.EMPLOYER), Action.ERASE_PERSON)
    with pytest.raises(Forbidden, match="only operators"):
        ensure(actor(Role.ANALYST), Action.CASEWORK, "only operators take people in charge")
    ensure(actor(Role.OPERATOR), Action.CASEWORK)  # allowed: no error
