"""Passkeys for this request: the browser's binding, and each ceremony run for the signed-in
user, the browser's pending sign-in or a passwordless sign-in. The API serves them as JSON to
API clients and to the pages' script (static/passkeys.js) alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, session, url_for
from flask_login import current_user

from .. import messages
from ..identity import accounts, ceremonies, challenges, clock, passkeys, signin
from ..identity.relying_party import RelyingParty
from . import login
from .context import account, actor, settings
from .errors import ApiError
from .ratelimit import count_passkey_sign_in

# The Flask session keeps a random token; each challenge is stored with its hash, so an answer
# counts only in the browser that asked for it.
BINDING_KEY = "_webauthn"


def relying_party() -> RelyingParty:
    """This site as passkeys know it; 404 `passkeys_unavailable` when none is configured."""
    rp = settings().relying_party
    if rp is None:
        raise ApiError(404, messages.PASSKEYS_UNAVAILABLE, "passkeys_unavailable")
    return rp


def binding() -> str:
    """This browser's binding token, made on first use."""
    token = session.get(BINDING_KEY)
    if not isinstance(token, str):
        token = session[BINDING_KEY] = challenges.new_binding()
    return token


@dataclass(frozen=True)
class Passkey:
    """One of the user's passkeys, as the page and the API show it."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    synced: bool  # backed up by its provider, so on the user's other devices too
    device_type: str  # single_device: bound to one authenticator; multi_device: may sync

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Passkey:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            created_at=doc["created_at"],
            last_used_at=doc.get("last_used_at"),
            synced=bool(doc.get("backed_up")),
            device_type=doc.get("device_type") or passkeys.SINGLE_DEVICE,
        )


def mine() -> list[Passkey]:
    """The signed-in user's passkeys, oldest first."""
    return [Passkey.of(doc) for doc in passkeys.of_user(current_user.id)]


def registration_options() -> dict[str, Any]:
    """Options to make a new passkey for the signed-in user."""
    try:
        return ceremonies.registration_options(
            relying_party(), account(current_user), binding=binding(), now=clock.now()
        )
    except challenges.Expired:
        abort(401)  # the account was deleted while this request was on its way


def register(credential: Any, name: str | None) -> Passkey:
    """Keep the passkey made with this browser's registration options (accounts.add_passkey)."""
    relying_party()
    added = accounts.add_passkey(
        account(current_user),
        credential,
        name,
        binding=binding(),
        actor=actor(),
        settings=settings(),
    )
    return Passkey.of(added)


def rename(passkey_id: str, name: str) -> Passkey | None:
    renamed = accounts.rename_passkey(
        account(current_user), passkey_id, name, actor=actor(), settings=settings()
    )
    return Passkey.of(renamed) if renamed else None


def remove(passkey_id: str) -> Passkey | None:
    removed = accounts.remove_passkey(
        account(current_user), passkey_id, actor=actor(), settings=settings()
    )
    return Passkey.of(removed) if removed else None


def _request_options(purpose: str, user_id: Any) -> dict[str, Any]:
    return ceremonies.request_options(
        relying_party(), purpose, user_id=user_id, binding=binding(), now=clock.now()
    )


def sign_in_options() -> dict[str, Any]:
    """Options for a passwordless sign-in: any passkey of this site, user verification required.
    Anyone may ask, so each is counted per address (SIGN_IN_RATE_LIMIT)."""
    relying_party()
    count_passkey_sign_in()
    return _request_options(challenges.SIGN_IN, None)


def sign_in(credential: Any, remember: bool) -> login.Outcome:
    relying_party()
    return login.sign_in_with_passkey(credential, remember, binding())


def _pending_user() -> Any:
    """The account of this browser's pending sign-in if a passkey may finish it, else None."""
    record = signin.pending(session.get(login.PENDING_KEY))
    if record is None or ceremonies.NAME not in record["methods"]:
        return None
    return record["user_id"]


def second_step_options() -> dict[str, Any] | None:
    """Options for the second step with one of the pending account's passkeys; None when this
    browser has no pending sign-in that a passkey may finish."""
    user_id = _pending_user()
    return None if user_id is None else _request_options(challenges.SECOND_STEP, user_id)


def finish_second_step(credential: Any) -> login.Outcome:
    relying_party()
    return login.finish_sign_in(ceremonies.NAME, ceremonies.answer(credential, binding()))


def reauthentication_options() -> dict[str, Any]:
    """Options to confirm it is the signed-in user, with one of their own passkeys; 409
    `no_passkeys` when they have none."""
    relying_party()
    if not passkeys.has_any(current_user.id):
        raise ApiError(409, messages.NO_PASSKEYS, "no_passkeys")
    return _request_options(challenges.REAUTHENTICATE, current_user.id)


def reauthenticate(credential: Any) -> bool | signin.Expired:
    relying_party()
    return login.reauthenticate_with_passkey(credential, binding())


@dataclass(frozen=True)
class Button:
    """What a page's passkey button needs: where its script gets options and sends the
    answer, where to go after, and the sentences it may have to say."""

    kind: str  # register, sign-in, second-step, reauthenticate
    options: str
    verify: str
    next: str
    origin: str
    texts: dict[str, str]


def button(kind: str, next_page: str) -> Button | None:
    """The passkey button of `kind` for a page, or None when passkeys are not configured."""
    rp = settings().relying_party
    if rp is None:
        return None
    endpoints = {
        "register": ("api.passkey_registration_options", "api.passkey_register"),
        "sign-in": ("api.passkey_sign_in_options", "api.passkey_sign_in"),
        "second-step": ("api.login_passkey_options", "api.login_passkey"),
        "reauthenticate": ("api.reauthenticate_passkey_options", "api.reauthenticate_passkey"),
    }
    options, verify = endpoints[kind]
    texts = {
        "cancelled": str(messages.PASSKEY_CANCELLED),
        "unsupported": str(messages.PASSKEY_UNSUPPORTED),
        "offline": str(messages.PASSKEY_FAILED_TO_SEND),
        "exists": str(messages.PASSKEY_EXISTS),
    }
    return Button(kind, url_for(options), url_for(verify), next_page, rp.origin, texts)
