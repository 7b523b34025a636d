"""Routes under /api/v1 for e-mail links: ask for a reset link, reset, confirm an address."""

from __future__ import annotations

from .. import messages
from ..identity import accounts, addresses, recovery, signin, users
from ..web.context import actor, settings
from ..web.errors import ApiError
from ..web.recovery import ask_for_reset
from .models import ConfirmIn, ForgotIn, ResetIn
from .views import bp, invalid, parse, throttled


def _bad_link() -> ApiError:
    return ApiError(400, messages.LINK_INVALID, "invalid_token")


@bp.post("/password/forgot")
def password_forgot():
    data = parse(ForgotIn)
    try:
        address = addresses.checked(data.email)
    except addresses.BadAddress as e:
        raise invalid({"email": str(e)}) from None
    # 202 whether or not an account has the address, in the same time (web.recovery).
    ask_for_reset(address)
    return "", 202


@bp.post("/password/reset")
def password_reset():
    data = parse(ResetIn)
    try:
        outcome = recovery.reset(
            data.token,
            data.new_password,
            method=data.method,
            answer=data.code,
            actor=actor(),
            settings=settings(),
        )
    except accounts.Invalid as e:
        raise invalid({"new_password": e.fields["password"]}) from None
    if isinstance(outcome, recovery.Reset):
        return "", 204
    if isinstance(outcome, recovery.BadLink):
        raise _bad_link()
    if isinstance(outcome, recovery.NeedsFactor):
        raise invalid({"code": messages.ENTER_CODE})
    if isinstance(outcome, signin.Throttled):
        raise throttled(outcome)
    raise ApiError(401, messages.WRONG_CODE, "invalid_code")


@bp.post("/email/confirm")
def email_confirm():
    data = parse(ConfirmIn)
    try:
        before = accounts.confirm_email(data.token, actor=actor(), settings=settings())
    except users.EmailTaken:
        raise ApiError(409, messages.EMAIL_TAKEN, "email_taken") from None
    if before is None:
        raise _bad_link()
    return "", 204
