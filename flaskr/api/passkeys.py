"""Passkeys over the API: list, add, rename and remove them; sign in with one (no password),
finish a sign-in's second step with one, or re-authenticate with one. Each ceremony is two
calls: options (a challenge kept by the server for this session, 5 minutes), then the answer.
The pages' own script (static/passkeys.js) uses these same operations."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify
from flask_login import current_user, login_required

from .. import messages
from ..identity import accounts, challenges, passkeys, signin
from ..identity.ceremonies import NotVerified
from ..web import passkeys as mine
from ..web import reauth
from ..web.errors import ApiError
from . import passkey_contract  # noqa: F401 (its operations join the document)
from .models import SignedIn, User
from .passkey_models import (
    CredentialIn,
    OptionsOut,
    Passkey,
    PasskeyIdIn,
    PasskeyOut,
    PasskeyRegisterIn,
    PasskeyRenameIn,
    PasskeySignInIn,
    PasskeysOut,
)
from .views import bp, fresh_csrf_token, invalid, parse, throttled


def _options(options: dict) -> tuple:
    return jsonify(OptionsOut(options=options).model_dump(mode="json")), 200


def _passkey(row: mine.Passkey) -> Passkey:
    return Passkey(**asdict(row))


def _refused(status: int) -> ApiError:
    return ApiError(status, messages.PASSKEY_REFUSED, "passkey_refused")


def _expired(status: int) -> ApiError:
    return ApiError(status, messages.PASSKEY_EXPIRED, "challenge_expired")


def _signed_in():
    body = SignedIn(user=User.signed_in(current_user), csrf_token=fresh_csrf_token())
    return jsonify(body.model_dump(mode="json"))


@bp.get("/passkeys")
@login_required
def passkeys_list():
    rows = [_passkey(row) for row in mine.mine()]
    return jsonify(PasskeysOut(passkeys=rows).model_dump(mode="json"))


@bp.post("/passkeys/register/options")
@login_required
@reauth.required()
def passkey_registration_options():
    return _options(mine.registration_options())


@bp.post("/passkeys/register")
@login_required
@reauth.required()
def passkey_register():
    data = parse(PasskeyRegisterIn)
    try:
        added = mine.register(data.credential, data.name)
    except accounts.Invalid as e:
        raise invalid(e.fields) from None
    except accounts.TooManyPasskeys:
        most = passkeys.MAX_PER_USER
        raise ApiError(409, messages.too_many_passkeys(most), "too_many_passkeys") from None
    except passkeys.AlreadyRegistered:
        raise ApiError(409, messages.PASSKEY_EXISTS, "passkey_exists") from None
    except challenges.Expired:
        raise _expired(400) from None
    except NotVerified:
        raise _refused(400) from None
    return jsonify(PasskeyOut(passkey=_passkey(added)).model_dump(mode="json")), 201


def _not_found() -> ApiError:
    return ApiError(404, messages.PASSKEY_NOT_FOUND, "passkey_not_found")


@bp.post("/passkeys/rename")
@login_required
def passkey_rename():
    data = parse(PasskeyRenameIn)
    try:
        renamed = mine.rename(data.id, data.name)
    except accounts.Invalid as e:
        raise invalid(e.fields) from None
    if renamed is None:
        raise _not_found()
    return jsonify(PasskeyOut(passkey=_passkey(renamed)).model_dump(mode="json"))


@bp.post("/passkeys/remove")
@login_required
@reauth.required()
def passkey_remove():
    data = parse(PasskeyIdIn)
    if mine.remove(data.id) is None:
        raise _not_found()
    return "", 204


@bp.post("/passkeys/sign-in/options")
def passkey_sign_in_options():
    return _options(mine.sign_in_options())


@bp.post("/passkeys/sign-in")
def passkey_sign_in():
    data = parse(PasskeySignInIn)
    outcome = mine.sign_in(data.credential, data.remember)
    if isinstance(outcome, signin.Expired):
        raise _expired(401)
    if not isinstance(outcome, signin.SignedIn):
        raise _refused(401)
    return _signed_in()


def _no_pending_step() -> ApiError:
    return ApiError(401, messages.PASSKEY_SIGN_IN_EXPIRED, "sign_in_expired")


@bp.post("/login/second-factor/passkey/options")
def login_passkey_options():
    options = mine.second_step_options()
    if options is None:
        raise _no_pending_step()
    return _options(options)


@bp.post("/login/second-factor/passkey")
def login_passkey():
    data = parse(CredentialIn)
    outcome = mine.finish_second_step(data.credential)
    if isinstance(outcome, signin.Throttled):
        raise throttled(outcome)
    if isinstance(outcome, signin.Expired):
        raise _no_pending_step()
    if not isinstance(outcome, signin.SignedIn):
        raise _refused(401)
    return _signed_in()


@bp.post("/reauthenticate/passkey/options")
@login_required
def reauthenticate_passkey_options():
    return _options(mine.reauthentication_options())


@bp.post("/reauthenticate/passkey")
@login_required
def reauthenticate_passkey():
    data = parse(CredentialIn)
    confirmed = mine.reauthenticate(data.credential)
    if isinstance(confirmed, signin.Expired):
        raise _expired(400)
    if not confirmed:
        raise _refused(400)
    return "", 204
