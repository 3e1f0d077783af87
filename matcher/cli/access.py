"""CLI commands for access and keys: deactivate users, revoke API keys, rotate the master key."""
from __future__ import annotations

import typer
from sqlalchemy import select

from matcher.accounts.actors import Role, command_line_actor
from matcher.cli.app import app
from matcher.cli.common import fail, out, progress_bar, sessions
from matcher.cli.users import users_app

keys_app = typer.Typer(help="The master key that seals people's free text.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
CLI_ADMIN = command_line_actor(Role.ADMIN, "cli")


def _user_id(session, username: str) -> int:  # noqa: ANN001
    from matcher.accounts.models import User

    uid = session.scalar(select(User.id).where(User.username == username))
    if uid is None:
        fail(f"no user named {username!r} (skillmatch users list? the admin page lists them)")
    return uid


@users_app.command("deactivate")
def users_deactivate(username: str) -> None:
    """End every access of a user at once: its tokens and API keys are refused from now on."""
    from matcher.accounts.users import set_active

    with sessions()() as session:
        set_active(session, CLI_ADMIN, _user_id(session, username), False)
    out.print(f"user {username} deactivated")


@users_app.command("activate")
def users_activate(username: str) -> None:
    from matcher.accounts.users import set_active

    with sessions()() as session:
        set_active(session, CLI_ADMIN, _user_id(session, username), True)
    out.print(f"user {username} activated")


@users_app.command("revoke-key")
def users_revoke_key(prefix: str = typer.Argument(..., help="the 8 characters after sk_ of the key")) -> None:
    """Revoke an API key: it is refused from now on."""
    from matcher.accounts.users import revoke_api_key
    from matcher.errors import ServiceError

    with sessions()() as session:
        try:
            revoke_api_key(session, CLI_ADMIN, prefix)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"API key sk_{prefix}_… revoked")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every person's data key under SKILLMATCH_MASTER_KEY (the old key given as
    SKILLMATCH_MASTER_KEY_PREVIOUS), seal text written before sealing, refresh file-number hashes."""
    from matcher.privacy.keys import MasterKeyError
    from matcher.privacy.rotation import rotate

    with progress_bar() as bar, sessions()() as session:
        task = bar.add_task("keys", total=None)
        try:
            counts = rotate(session, lambda stage, done, total: bar.update(task, description=stage, completed=done, total=total))
        except MasterKeyError as exc:
            fail(str(exc))
    out.print(f"data keys re-wrapped: {counts['rewrapped']}; values sealed: {counts['sealed']}; "
              f"file-number hashes refreshed: {counts['hashes']}. The previous master key may now be dropped.")
