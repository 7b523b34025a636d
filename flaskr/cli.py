"""Admin commands: `flask --app flaskr users create|list|disable|enable|unlock|set-password|
delete|set-email|send-reset|reset-two-factor|reseal-secrets|grant|revoke|recount-admins`."""

from __future__ import annotations

import itertools
import sys
from datetime import datetime
from typing import Any

import click
from flask import Flask

from . import messages
from .db import Commands
from .identity import accounts, admins, totp, users
from .identity.audit import CLI
from .web.context import settings


class _Commands(Commands):
    """Account commands: a refused change, like a database failure, ends in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except accounts.Invalid as e:
            raise click.ClickException(" ".join(e.fields.values())) from None
        except accounts.LastAdmin:
            raise click.ClickException(messages.LAST_ADMIN) from None


users_cli = _Commands(
    "users",
    help="Create, list, disable, enable, unlock and delete accounts; set addresses, send resets; "
    "reset two-factor sign-in; grant roles.",
)


def _interactive() -> bool:
    return sys.stdin.isatty()


def read_password(prompt: str = "Password") -> str:
    """Ask twice (hidden) on a terminal; otherwise read the first line of standard input."""
    if _interactive():
        return _utf8(click.prompt(prompt, hide_input=True, confirmation_prompt=True))
    try:
        line = sys.stdin.readline()
    except UnicodeDecodeError:
        raise click.ClickException(NOT_UTF8) from None
    if not line:
        raise click.ClickException("no password on standard input")
    # Only the line ending is removed: spaces are part of a password.
    return _utf8(line.removesuffix("\n").removesuffix("\r"))


NOT_UTF8 = "the password on standard input is not valid UTF-8"


def _utf8(text: str) -> str:
    """`text` if it is real text: under a C or POSIX locale Python reads undecodable bytes as
    lone surrogates (surrogateescape), which no browser can ever send back."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise click.ClickException(NOT_UTF8) from None
    return text


def _existing(username: str) -> dict[str, Any]:
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return user


def _checked_password(username: str) -> str:
    password = read_password()
    problem = settings().policy.password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    return password


def _sessions_ended(count: int) -> str:
    return f"ended {count} session{'' if count == 1 else 's'}"


@users_cli.command("create")
@click.argument("username")
def create_command(username: str) -> None:
    """Create a user; the password is asked twice, or read from standard input's first line."""
    problem = settings().policy.username_problem(username)
    if problem:
        raise click.ClickException(problem)
    # A courtesy check before asking for a password; the unique index still decides.
    if users.find_user(username) is not None:
        raise click.ClickException(f"the username {username} is already taken")
    password = _checked_password(username)
    try:
        accounts.create_account(username, password, actor=CLI, settings=settings())
    except users.UsernameTaken:
        raise click.ClickException(f"the username {username} is already taken") from None
    click.echo(f"Created user {username}.")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


@users_cli.command("list")
def list_command() -> None:
    """List users: username, created, last sign-in (UTC), disabled."""
    rows = users.list_users()
    first = next(rows, None)  # the query runs here: no header before a database error
    width = settings().policy.username_max
    click.echo(f"{'USERNAME':<{width}}  {'CREATED':<16}  {'LAST SIGN-IN':<16}  DISABLED")
    count = 0
    for user in itertools.chain([first] if first else [], rows):
        count += 1
        click.echo(
            f"{user['username']:<{width}}  {_when(user.get('created_at')):<16}  "
            f"{_when(user.get('last_login_at')):<16}  {'yes' if user.get('disabled') else 'no'}"
        )
    click.echo(f"{count} user{'' if count == 1 else 's'}.")


@users_cli.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Refuse the user's sign-ins and end their sessions."""
    user = _existing(username)
    ended = accounts.disable_account(user, actor=CLI, settings=settings())
    click.echo(f"Disabled {user['username']}; {_sessions_ended(ended)}.")


@users_cli.command("enable")
@click.argument("username")
def enable_command(username: str) -> None:
    """Allow a disabled user to sign in again (and lift a sign-in lockout)."""
    user = _existing(username)
    accounts.enable_account(user, actor=CLI, settings=settings())
    click.echo(f"Enabled {user['username']}.")


@users_cli.command("unlock")
@click.argument("username")
def unlock_command(username: str) -> None:
    """Forget the user's failed sign-ins, lifting a lockout before it expires."""
    user = _existing(username)
    accounts.unlock_account(user, actor=CLI, settings=settings())
    click.echo(f"Unlocked {user['username']}.")


@users_cli.command("set-password")
@click.argument("username")
def set_password_command(username: str) -> None:
    """Set a new password (read like `create` does), end the user's sessions, lift a lockout."""
    user = _existing(username)
    password = _checked_password(user["username"])
    ended = accounts.change_password(user, password, actor=CLI, settings=settings())
    click.echo(f"Changed the password of {user['username']}; {_sessions_ended(ended)}.")


@users_cli.command("delete")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(username: str, yes: bool) -> None:
    """Delete a user, their sessions and audit events (asks first unless --yes)."""
    user = _existing(username)
    if not yes:
        click.confirm(f"Delete user {user['username']} and end their sessions?", abort=True)
    # The same as deleting one's own account on /account/delete.
    ended = accounts.delete_account(user, actor=CLI, settings=settings())
    click.echo(f"Deleted {user['username']}; {_sessions_ended(ended)}.")


@users_cli.command("reset-two-factor")
@click.argument("username")
def reset_two_factor_command(username: str) -> None:
    """Remove a user's lost second factor (authenticator app, recovery codes and passkeys)."""
    user = _existing(username)
    if not accounts.reset_two_factor(user, actor=CLI, settings=settings()):
        click.echo(f"{user['username']} has no two-factor sign-in; nothing changed.")
        return
    click.echo(
        f"Removed the two-factor sign-in of {user['username']}; their password alone signs in."
    )


@users_cli.command("reseal-secrets")
def reseal_secrets_command() -> None:
    """Seal every authenticator secret again with the current ENCRYPTION_KEY (after a rotation)."""
    keys = settings().keys
    assert keys is not None  # set up by the two_factor feature when the app starts
    resealed, unreadable = totp.reseal_all(keys)
    click.echo(f"Resealed {resealed} secret{'' if resealed == 1 else 's'} with the current key.")
    if unreadable:
        raise click.ClickException(
            f"{unreadable} secret{' is' if unreadable == 1 else 's are'} sealed with a key that is "
            "not configured: add it to ENCRYPTION_OLD_KEYS and run this again."
        )


@users_cli.command("set-email")
@click.argument("username")
@click.argument("address")
def set_email_command(username: str, address: str) -> None:
    """Send ADDRESS a link that makes it the user's e-mail address once followed."""
    user = _existing(username)
    owner = users.find_by_email(address)
    # An administrator may know what a form never tells; checked before anything changes.
    if owner is not None and owner["_id"] != user["_id"]:
        raise click.ClickException(f"{address} is the confirmed address of {owner['username']}")
    asked = accounts.request_email(user, address, actor=CLI, settings=settings())
    if asked is accounts.Asked.UNCHANGED:
        click.echo(f"{address} is already the confirmed address of {user['username']}.")
    else:
        click.echo(
            f"Queued a confirmation link to {address}; it becomes the address of "
            f"{user['username']} when the link is followed."
        )


@users_cli.command("send-reset")
@click.argument("username")
def send_reset_command(username: str) -> None:
    """Send the user a password reset link at their confirmed address."""
    user = _existing(username)
    if not accounts.request_reset(user, actor=CLI, settings=settings()):
        reason = "is disabled" if user.get("disabled") else "has no confirmed e-mail address"
        raise click.ClickException(f"{user['username']} {reason}")
    click.echo(f"Queued a password reset link to {user['email']} for {user['username']}.")


def _role_change(username: str, role: str, change, done: str, unchanged: str) -> None:
    user = _existing(username)
    name = user["username"]
    if change(user, role, actor=CLI, settings=settings()):
        click.echo(done.format(role=role, name=name))
    else:
        click.echo(unchanged.format(role=role, name=name))


@users_cli.command("grant")
@click.argument("username")
@click.argument("role")
def grant_command(username: str, role: str) -> None:
    """Give the user a role (`admin` opens the admin area; a team's features add theirs)."""
    _role_change(
        username,
        role,
        accounts.grant_role,
        "Granted {role} to {name}.",
        "{name} already has the role {role}.",
    )


@users_cli.command("revoke")
@click.argument("username")
@click.argument("role")
def revoke_command(username: str, role: str) -> None:
    """Take a role from the user (never `admin` from the last active administrator)."""
    _role_change(
        username,
        role,
        accounts.revoke_role,
        "Revoked {role} from {name}.",
        "{name} does not have the role {role}.",
    )


@users_cli.command("recount-admins")
def recount_admins_command() -> None:
    """Recount the active administrators after a crash left the guarded count low (run it
    while no one grants, revokes, disables or deletes an administrator)."""
    before, now = admins.repair()
    click.echo(f"Active administrators: {now} (the count said {before}).")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
