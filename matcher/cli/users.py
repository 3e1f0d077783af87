"""`skillmatch users create`: users and their organisations."""
from __future__ import annotations

from typing import Optional

import typer

from matcher.accounts.actors import Role, command_line_actor
from matcher.cli.app import app
from matcher.cli.common import fail, out, sessions

users_app = typer.Typer(help="Users and organisations.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("create")
def users_create(username: str, role: str = typer.Option("admin", help="operator, employer, analyst or admin"),
                 organisation: Optional[str] = typer.Option(None, help="organisation name (created if new)"),
                 organisation_kind: str = typer.Option("cpi", help="kind of a new organisation"),
                 password: Optional[str] = typer.Option(None, envvar="SKILLMATCH_NEW_PASSWORD",
                                                        help="asked for when not given")) -> None:
    """Create a user (the first admin, for instance)."""
    from sqlalchemy import select

    from matcher.accounts.models import Organisation
    from matcher.accounts.users import create_organisation, create_user
    from matcher.errors import ServiceError

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    cli_actor = command_line_actor(Role.ADMIN, "cli users create")
    with sessions()() as session:
        try:
            org_id = None
            if organisation:
                org = session.scalar(select(Organisation).where(Organisation.name == organisation))
                org = org or create_organisation(session, cli_actor, organisation, organisation_kind)
                org_id = org.id
            user = create_user(session, cli_actor, username, password, role, org_id)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"user {user.username} ({user.role}) created with id {user.id}")
