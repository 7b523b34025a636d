"""Two-factor sign-in over the API: the sign-in's second step, re-authentication, and the
authenticator app's setup, confirmation and turning off, as the pages do them."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from .. import messages
from ..identity import accounts, ceremonies, recovery_codes, signin, totp
from ..web import login as flow
from ..web import reauth
from ..web import two_factor as mine
from ..web.errors import ApiError
from . import two_factor_contract  # noqa: F401 (its operations join the document)
from .models import (
    CodeIn,
    PasswordIn,
    RecoveryCodesOut,
    SecondFactorIn,
    SecondFactorSignedIn,
    SessionsEndedOut,
    TotpSetupOut,
    TwoFactorOut,
    User,
)
from .views import bp, fresh_csrf_token, invalid, parse, throttled

RECOVERY = recovery_codes.NAME
PASSKEY = ceremonies.NAME


def _one_answer(data: SecondFactorIn, methods: tuple[str, ...]) -> tuple[str, str]:
    """(method, answer) from a body with exactly one of `code` and `recovery_code`."""
    if (data.code is None) == (data.recovery_code is None):
        raise invalid({"code": messages.SEND_ONE_CODE, "recovery_code": messages.SEND_ONE_CODE})
    if data.recovery_code is not None:
        return RECOVERY, data.recovery_code
    # A code is for the first factor that is not a recovery code or a passkey (the app).
    return next((m for m in methods if m not in (RECOVERY, PASSKEY)), totp.NAME), data.code or ""


def _wrong(method: str, status: int = 401) -> ApiError:
    text = messages.WRONG_RECOVERY_CODE if method == RECOVERY else messages.WRONG_CODE
    return ApiError(status, text, "invalid_code")


def _json(model, status: int = 200):
    return jsonify(model.model_dump(mode="json")), status


@bp.post("/login/second-factor")
def login_second_factor():
    data = parse(SecondFactorIn)
    methods = flow.pending_methods()
    if methods is None:
        raise ApiError(401, messages.SECOND_STEP_EXPIRED, "sign_in_expired")
    method, answer = _one_answer(data, methods)
    outcome = flow.finish_sign_in(method, answer)
    if isinstance(outcome, signin.Throttled):
        raise throttled(outcome)
    if isinstance(outcome, signin.Expired):
        raise ApiError(401, messages.SECOND_STEP_EXPIRED, "sign_in_expired")
    if not isinstance(outcome, signin.SignedIn):
        raise _wrong(method)
    left = current_user.recovery_codes_left if method == RECOVERY else None
    body = SecondFactorSignedIn(
        user=User.signed_in(current_user), csrf_token=fresh_csrf_token(), recovery_codes_left=left
    )
    # `recovery_codes_left` only after a recovery code: a TOTP sign-in answers as /login does.
    return jsonify(body.model_dump(mode="json", exclude_none=True))


@bp.post("/reauthenticate")
@login_required
def reauthenticate():
    data = parse(PasswordIn)
    confirmed = flow.reauthenticate(data.password)
    if isinstance(confirmed, signin.Throttled):
        raise throttled(confirmed)
    if not confirmed:
        raise ApiError(400, messages.WRONG_CURRENT_PASSWORD, "wrong_password")
    return "", 204


@bp.get("/two-factor")
@login_required
def two_factor_status():
    now = mine.status()
    return _json(
        TwoFactorOut(
            totp=now.totp, enabled_at=now.enabled_at, recovery_codes_left=now.recovery_codes_left
        )
    )


def _conflict(e: accounts.TwoFactorState) -> ApiError:
    if isinstance(e, accounts.AlreadyOn):
        return ApiError(409, messages.TWO_FACTOR_ALREADY_ON, "two_factor_on")
    if isinstance(e, accounts.NotOn):
        return ApiError(409, messages.TWO_FACTOR_NOT_ON, "two_factor_off")
    return ApiError(409, messages.TOTP_SETUP_GONE, "no_setup")


@bp.post("/two-factor/totp")
@login_required
@reauth.required()
def two_factor_setup():
    try:
        setup = mine.start_setup()
    except accounts.TwoFactorState as e:
        raise _conflict(e) from None
    return _json(TotpSetupOut(secret=setup.secret, otpauth_uri=setup.uri))


@bp.post("/two-factor/totp/confirm")
@login_required
@reauth.required()
def two_factor_confirm():
    data = parse(CodeIn)
    try:
        codes = mine.confirm(data.code)
    except accounts.TwoFactorState as e:
        raise _conflict(e) from None
    if codes is None:
        raise ApiError(400, messages.WRONG_CODE, "invalid_code")
    return _json(RecoveryCodesOut(recovery_codes=codes))


@bp.post("/two-factor/recovery-codes")
@login_required
@reauth.required()
def two_factor_recovery_codes():
    try:
        codes = mine.new_codes()
    except accounts.TwoFactorState as e:
        raise _conflict(e) from None
    return _json(RecoveryCodesOut(recovery_codes=codes))


@bp.post("/two-factor/disable")
@login_required
@reauth.required()
def two_factor_disable():
    data = parse(SecondFactorIn)
    if not mine.status().totp:
        raise _conflict(accounts.NotOn())
    method, answer = _one_answer(data, (totp.NAME, RECOVERY))
    checked = mine.check(method, answer)
    if isinstance(checked, signin.Throttled):
        raise throttled(checked)
    if not checked:
        raise _wrong(method, 400)
    try:
        ended = mine.disable()
    except accounts.TwoFactorState as e:
        raise _conflict(e) from None
    return _json(SessionsEndedOut(sessions_ended=ended))
