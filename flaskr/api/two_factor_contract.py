"""The contract of the two-factor operations (api/two_factor.py), joined to the OpenAPI
document's operations when the API is imported, as the routes join the blueprint."""

from __future__ import annotations

from typing import Any

from .contract import BODY_ERRORS, CSRF_NOTE, OPERATIONS

SIGNED_IN_CHANGE = (
    "Needs a live session, and the password given within `REAUTH_MINUTES` (else 403). " + CSRF_NOTE
)
CODE_CONFLICTS = {
    409: (
        "Two-factor sign-in is not in the state this change needs: already on, off, or no "
        "setup pending (expired after 15 minutes, or replaced by a newer one).",
        ["two_factor_on", "two_factor_off", "no_setup"],
    )
}
# Two-factor sign-in and re-authentication (api/two_factor.py).
TWO_FACTOR_OPERATIONS: list[dict[str, Any]] = [
    {
        "method": "post",
        "path": "/login/second-factor",
        "summary": "Finish a sign-in with a second factor",
        "description": (
            "After `POST /api/v1/login` answered `second_factor`: exactly one of `code` (the "
            "authenticator app's, each accepted once) or `recovery_code` (each works once). "
            "Within 5 minutes of the password, from the same session; failures are counted per "
            "account (`TWO_FACTOR_MAX_FAILURES`). Signing in clears the session: use the new "
            "`csrf_token`. " + CSRF_NOTE
        ),
        "body": "SecondFactorIn",
        "ok": (200, "Signed in.", "SecondFactorSignedIn"),
        "errors": [*BODY_ERRORS, 401, 429, 503],
        "error_texts": {
            401: (
                "A wrong or used code, or no pending sign-in in this session (expired, used, "
                "or never started): start again with `POST /api/v1/login`.",
                ["invalid_code", "sign_in_expired"],
            ),
            429: (
                "Too many wrong codes for this account; wait `Retry-After` seconds.",
                ["too_many_attempts"],
            ),
        },
    },
    {
        "method": "post",
        "path": "/reauthenticate",
        "summary": "Give the password again",
        "description": (
            "Allows sensitive changes (two-factor sign-in on or off, new recovery codes) for "
            "`REAUTH_MINUTES` in this session. Throttled like a sign-in. " + CSRF_NOTE
        ),
        "body": "PasswordIn",
        "ok": (204, "Confirmed.", None),
        "errors": [*BODY_ERRORS, 401, 429, 503],
        "error_texts": {
            400: (
                "CSRF token missing or invalid, a body that is not JSON, or a password that is "
                "not the account's.",
                ["csrf_failed", "invalid_json", "wrong_password"],
            )
        },
    },
    {
        "method": "get",
        "path": "/two-factor",
        "summary": "Two-factor sign-in: what is on",
        "description": "Whether the authenticator app is on, since when, and the recovery "
        "codes left. Needs a live session.",
        "ok": (200, "The account's two-factor sign-in.", "TwoFactorOut"),
        "errors": [401, 503],
    },
    {
        "method": "post",
        "path": "/two-factor/totp",
        "summary": "Set up an authenticator app",
        "description": (
            "A new secret, pending until `POST /api/v1/two-factor/totp/confirm` gets a code "
            "from it (15 minutes). " + SIGNED_IN_CHANGE
        ),
        "ok": (200, "The secret and its `otpauth://` link.", "TotpSetupOut"),
        "errors": [400, 401, 403, 409, 503],
        "error_texts": {400: ("CSRF token missing or invalid.", ["csrf_failed"]), **CODE_CONFLICTS},
    },
    {
        "method": "post",
        "path": "/two-factor/totp/confirm",
        "summary": "Turn two-factor sign-in on",
        "description": (
            "A code from the app being set up turns it on and makes the recovery codes, "
            "shown this once. " + SIGNED_IN_CHANGE
        ),
        "body": "CodeIn",
        "ok": (200, "On; save the recovery codes now.", "RecoveryCodesOut"),
        "errors": [*BODY_ERRORS, 401, 403, 409, 503],
        "error_texts": {
            400: (
                "CSRF token missing or invalid, a body that is not JSON, or a wrong code.",
                ["csrf_failed", "invalid_json", "invalid_code"],
            ),
            **CODE_CONFLICTS,
        },
    },
    {
        "method": "post",
        "path": "/two-factor/recovery-codes",
        "summary": "New recovery codes",
        "description": "New codes replace all the old ones. " + SIGNED_IN_CHANGE,
        "ok": (200, "The new codes, shown this once.", "RecoveryCodesOut"),
        "errors": [400, 401, 403, 409, 503],
        "error_texts": {400: ("CSRF token missing or invalid.", ["csrf_failed"]), **CODE_CONFLICTS},
    },
    {
        "method": "post",
        "path": "/two-factor/disable",
        "summary": "Turn two-factor sign-in off",
        "description": (
            "Needs exactly one of `code` (from the app) or `recovery_code`, counted like the "
            "sign-in's second step. Ends every other session of the account. " + SIGNED_IN_CHANGE
        ),
        "body": "SecondFactorIn",
        "ok": (200, "Off.", "SessionsEndedOut"),
        "errors": [*BODY_ERRORS, 401, 403, 409, 429, 503],
        "error_texts": {
            400: (
                "CSRF token missing or invalid, a body that is not JSON, or a wrong code.",
                ["csrf_failed", "invalid_json", "invalid_code"],
            ),
            429: (
                "Too many wrong codes for this account; wait `Retry-After` seconds.",
                ["too_many_attempts"],
            ),
            **CODE_CONFLICTS,
        },
    },
]

OPERATIONS.extend(TWO_FACTOR_OPERATIONS)
