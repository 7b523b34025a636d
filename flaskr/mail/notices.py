"""The mail an account's events send: links to confirm an address or reset a password, and a
notice to the confirmed address for every security event.

Every message here answers a signal of the one door (identity.accounts, identity.signin): no
view sends mail itself. A handler runs in the request that made the change, so it only
queues (outbox.enqueue); `flask mail send` delivers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale

from .. import messages
from ..identity import audit, clock, devices, signals, users
from ..identity.audit import Actor
from . import compose


def language(user: dict[str, Any]) -> str:
    """The language the account's mail is written in: its own choice, else the default."""
    config = current_app.config
    chosen = users.language_of(user)
    return chosen if chosen in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _send_link(kind: str, user_id: Any, to: str, url: str) -> None:
    """Queue the link mail `kind` ("confirm" or "reset") for `url` to `to`."""
    user = users.find_user_by_id(user_id)
    if user is None:
        return
    with force_locale(language(user)):
        _compose_link(kind, user, to, url)


def _compose_link(kind: str, user: dict[str, Any], to: str, url: str) -> None:
    config = current_app.config
    if kind == "confirm":
        subject = messages.MAIL_CONFIRM_SUBJECT
        intro = messages.mail_confirm(user["username"], float(config["EMAIL_CONFIRM_HOURS"]))
    else:
        subject = messages.MAIL_RESET_SUBJECT
        intro = messages.mail_reset(user["username"], float(config["RESET_MINUTES"]))
    compose.send(
        "link",
        to=to,
        subject=subject,
        kind=kind,
        user_id=user["_id"],
        intro=intro,
        url=url,
        ignore=messages.MAIL_IGNORE,
    )


def confirmation_link(sender: Any, *, address: str, token: str | None, **_: Any) -> None:
    # No token: the address is another account's, whose owner got a notice instead.
    if token is not None:
        url = compose.link("auth.confirm_email", token=token)
        _send_link("confirm", sender, address, url)


def reset_link(sender: Any, *, address: str, token: str, **_: Any) -> None:
    _send_link("reset", sender, address, compose.link("auth.reset_password", token=token))


def notify(kind: str, user_id: Any, actor: Actor, to: str | None = None, **words: str) -> None:
    """Queue the notice `kind` (messages.NOTICES) to `to`, or to the account's address;
    `words` fill its text's other blanks (a role's name)."""
    user = users.find_user_by_id(user_id)
    to = to or (user or {}).get("email")
    if user is None or not to:
        return
    with force_locale(language(user)):
        _compose_notice(kind, user, actor, to, words)


def _compose_notice(kind: str, user: dict[str, Any], actor: Actor, to: str, words: dict) -> None:
    subject, what = messages.NOTICES[kind]
    by_self = actor.name == "self"
    compose.send(
        "notice",
        to=to,
        subject=subject,
        kind=kind,
        user_id=user["_id"],
        what=str(what).format(username=user["username"], **words),
        at=clock.now(),
        address=(actor.ip or "unknown") if by_self else messages.notice_by(actor.name),
        device=devices.describe(actor.user_agent) if by_self else None,
        advice=messages.NOTICE_NOT_YOU,
        reset_url=compose.link("auth.forgot"),
    )


def _notice(kind: str, *words: str) -> Callable[..., None]:
    """A handler that sends the notice `kind` to the account's confirmed address; `words` name
    the event's details its text reads (a passkey's name)."""

    def handler(sender: Any, *, actor: Actor, **details: Any) -> None:
        notify(kind, sender, actor, **{word: str(details.get(word, "")) for word in words})

    handler.__name__ = f"notify_{kind}"
    return handler


def signed_in(sender: Any, *, actor: Actor, new_device: bool = False, **_: Any) -> None:
    if new_device and current_app.config["NOTIFY_NEW_DEVICE"]:
        notify("new_device", sender, actor)


def email_confirmed(sender: Any, *, actor: Actor, address: str, previous: str | None, **_: Any):
    if previous and previous.casefold() != address.casefold():
        notify("email_changed", sender, actor, to=previous)


def email_removed(sender: Any, *, actor: Actor, address: str | None, **_: Any) -> None:
    if address:
        notify("email_removed", sender, actor, to=address)


HANDLERS = {
    audit.EMAIL_CHANGE_REQUESTED: confirmation_link,
    audit.PASSWORD_RESET_REQUESTED: reset_link,
    audit.SIGN_IN: signed_in,
    # Sent once per lockout of the account's own counter, not per refused attempt.
    audit.ACCOUNT_LOCKED: _notice("locked"),
    audit.PASSWORD_CHANGED: _notice("password_changed"),
    audit.PASSWORD_RESET: _notice("password_reset"),
    audit.EMAIL_CONFIRMED: email_confirmed,
    audit.EMAIL_REMOVED: email_removed,
    audit.EMAIL_CLAIMED: _notice("email_claimed"),
    audit.PASSKEY_ADDED: _notice("passkey_added", "passkey"),
    audit.PASSKEY_REMOVED: _notice("passkey_removed", "passkey"),
}


def init_app(app: Flask) -> None:
    # Signals are process-wide; connecting the same function again changes nothing.
    for event, handler in HANDLERS.items():
        signals.event(event).connect(handler, weak=False)


# What someone else (an administrator, on the admin pages or the command line) does to an
# account: each change gets a notice; ending sessions only when the owner did not do it.
def _by_someone_else(kind: str) -> Callable[..., None]:
    """A handler that sends the notice `kind` unless the account's own user made the change."""

    def handler(sender: Any, *, actor: Actor, role: str = "", **_: Any) -> None:
        if actor.name != "self":
            notify(kind, sender, actor, role=role)

    handler.__name__ = f"notify_{kind}"
    return handler


HANDLERS.update(
    {
        audit.ACCOUNT_DISABLED: _by_someone_else("account_disabled"),
        audit.ACCOUNT_ENABLED: _by_someone_else("account_enabled"),
        audit.ACCOUNT_UNLOCKED: _by_someone_else("account_unlocked"),
        audit.TWO_FACTOR_RESET: _by_someone_else("two_factor_reset"),
        audit.SESSION_REVOKED: _by_someone_else("sessions_ended"),
        audit.SIGNED_OUT_EVERYWHERE: _by_someone_else("sessions_ended"),
        audit.ROLE_GRANTED: _by_someone_else("role_granted"),
        audit.ROLE_REVOKED: _by_someone_else("role_revoked"),
    }
)
