"""The contract of the passkey operations (api/passkeys.py), joined to the OpenAPI document's
operations when the API is imported, as the routes join the blueprint."""

from __future__ import annotations

from typing import Any

from .contract import BODY_ERRORS, CSRF_NOTE, OPERATIONS

UNAVAILABLE = (
    "Passkeys are not configured here (`PUBLIC_URL` unset, or not a name browsers take).",
    ["passkeys_unavailable"],
)
OPTIONS = (
    "Options for the browser; their challenge is kept by the server for this session (the "
    "cookie), for 5 minutes, and used up by the first answer, right or wrong. "
)
REAUTHENTICATED = (
    "Needs a live session, and the password (or a passkey) given within `REAUTH_MINUTES` "
    "(else 403). " + CSRF_NOTE
)
NOT_FOUND = (
    "The account has no passkey with this `id` (also when it was removed already).",
    ["passkey_not_found"],
)


def _answer_errors(status: int) -> tuple[str, list[str]]:
    return (
        "CSRF token missing or invalid, a body that is not JSON, a passkey that does not prove "
        "itself (unknown or removed, another account's, a bad signature, no user verification "
        "where needed, a wrong user handle, a sign count that went back), or no live challenge "
        "(older than 5 minutes, used already, or asked for in another session)."
        if status == 400
        else "A passkey that does not prove itself, or no live challenge.",
        ["csrf_failed", "invalid_json", "passkey_refused", "challenge_expired"]
        if status == 400
        else ["passkey_refused", "challenge_expired"],
    )


PASSKEY_OPERATIONS: list[dict[str, Any]] = [
    {
        "method": "get",
        "path": "/passkeys",
        "summary": "Passkeys: the account's",
        "description": "Each passkey's name, when it was added and last used, and whether it "
        "is synced or bound to one device. Needs a live session.",
        "ok": (200, "The account's passkeys, oldest first.", "PasskeysOut"),
        "errors": [401, 503],
    },
    {
        "method": "post",
        "path": "/passkeys/register/options",
        "summary": "Add a passkey: options",
        "description": OPTIONS + "For `navigator.credentials.create()`: a discoverable "
        "credential, none of the account's passkeys again. " + REAUTHENTICATED,
        "ok": (200, "The creation options.", "OptionsOut"),
        "errors": [400, 401, 403, 404, 503],
        "error_texts": {400: ("CSRF token missing or invalid.", ["csrf_failed"]), 404: UNAVAILABLE},
    },
    {
        "method": "post",
        "path": "/passkeys/register",
        "summary": "Add a passkey",
        "description": "The browser's answer to the creation options, and a name. Audited "
        "(`passkey_added`). " + REAUTHENTICATED,
        "body": "PasskeyRegisterIn",
        "ok": (201, "Added.", "PasskeyOut"),
        "errors": [*BODY_ERRORS, 401, 403, 404, 409, 503],
        "error_texts": {
            400: _answer_errors(400),
            404: UNAVAILABLE,
            409: (
                "This passkey is registered already, or the account has 20 passkeys.",
                ["passkey_exists", "too_many_passkeys"],
            ),
        },
    },
    {
        "method": "post",
        "path": "/passkeys/rename",
        "summary": "Rename a passkey",
        "description": "Audited (`passkey_renamed`). Needs a live session. " + CSRF_NOTE,
        "body": "PasskeyRenameIn",
        "ok": (200, "Renamed.", "PasskeyOut"),
        "errors": [*BODY_ERRORS, 401, 404, 503],
        "error_texts": {404: NOT_FOUND},
    },
    {
        "method": "post",
        "path": "/passkeys/remove",
        "summary": "Remove a passkey",
        "description": "It signs in no more. Audited (`passkey_removed`). " + REAUTHENTICATED,
        "body": "PasskeyIdIn",
        "ok": (204, "Removed.", None),
        "errors": [*BODY_ERRORS, 401, 403, 404, 503],
        "error_texts": {404: NOT_FOUND},
    },
    {
        "method": "post",
        "path": "/passkeys/sign-in/options",
        "summary": "Sign in with a passkey: options",
        "description": OPTIONS + "For `navigator.credentials.get()`: no username, any passkey "
        "of this site (discoverable), user verification required. " + CSRF_NOTE,
        "ok": (200, "The request options.", "OptionsOut"),
        "errors": [400, 404, 429, 503],
        "error_texts": {
            400: ("CSRF token missing or invalid.", ["csrf_failed"]),
            404: UNAVAILABLE,
            429: (
                "Too many passkey sign-ins started from this address (`SIGN_IN_RATE_LIMIT`, "
                "counted apart from password checks); wait `Retry-After` seconds.",
                ["too_many_requests"],
            ),
        },
    },
    {
        "method": "post",
        "path": "/passkeys/sign-in",
        "summary": "Sign in with a passkey",
        "description": "A passkey with user verification is both factors: a right one signs in "
        "with a fresh session cookie, no password and no code. Signing in clears the session: "
        "use the new `csrf_token`. " + CSRF_NOTE,
        "body": "PasskeySignInIn",
        "ok": (200, "Signed in.", "SignedIn"),
        "errors": [*BODY_ERRORS, 401, 404, 503],
        "error_texts": {401: _answer_errors(401), 404: UNAVAILABLE},
    },
    {
        "method": "post",
        "path": "/login/second-factor/passkey/options",
        "summary": "Finish a sign-in with a passkey: options",
        "description": OPTIONS + "After `POST /api/v1/login` answered `second_factor` with "
        "`passkey` among the methods: only that account's passkeys. " + CSRF_NOTE,
        "ok": (200, "The request options.", "OptionsOut"),
        "errors": [400, 401, 404, 503],
        "error_texts": {
            400: ("CSRF token missing or invalid.", ["csrf_failed"]),
            401: (
                "No pending sign-in in this session that a passkey may finish.",
                ["sign_in_expired"],
            ),
            404: UNAVAILABLE,
        },
    },
    {
        "method": "post",
        "path": "/login/second-factor/passkey",
        "summary": "Finish a sign-in with a passkey",
        "description": "The second step with one of the account's passkeys, counted like a code "
        "(`TWO_FACTOR_MAX_FAILURES`). Signing in clears the session: use the new "
        "`csrf_token`. " + CSRF_NOTE,
        "body": "CredentialIn",
        "ok": (200, "Signed in.", "SignedIn"),
        "errors": [*BODY_ERRORS, 401, 404, 429, 503],
        "error_texts": {
            401: (
                "A passkey that does not prove itself for this account, or no pending sign-in "
                "in this session (expired, used, or never started).",
                ["passkey_refused", "sign_in_expired"],
            ),
            404: UNAVAILABLE,
            429: (
                "Too many failed second steps for this account; wait `Retry-After` seconds.",
                ["too_many_attempts"],
            ),
        },
    },
    {
        "method": "post",
        "path": "/reauthenticate/passkey/options",
        "summary": "Re-authenticate with a passkey: options",
        "description": OPTIONS + "Only the signed-in account's passkeys, user verification "
        "required. Needs a live session. " + CSRF_NOTE,
        "ok": (200, "The request options.", "OptionsOut"),
        "errors": [400, 401, 404, 409, 503],
        "error_texts": {
            400: ("CSRF token missing or invalid.", ["csrf_failed"]),
            404: UNAVAILABLE,
            409: ("The account has no passkeys.", ["no_passkeys"]),
        },
    },
    {
        "method": "post",
        "path": "/reauthenticate/passkey",
        "summary": "Re-authenticate with a passkey",
        "description": "As `POST /api/v1/reauthenticate` with the password: allows sensitive "
        "changes for `REAUTH_MINUTES`. Only a passkey of the signed-in account counts, never "
        "another account's. Needs a live session. " + CSRF_NOTE,
        "body": "CredentialIn",
        "ok": (204, "Confirmed.", None),
        "errors": [*BODY_ERRORS, 401, 404, 503],
        "error_texts": {400: _answer_errors(400), 404: UNAVAILABLE},
    },
]

OPERATIONS.extend(PASSKEY_OPERATIONS)
