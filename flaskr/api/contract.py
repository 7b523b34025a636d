"""The contract of /api/v1 as data: each operation, its success and the errors it may answer
with. openapi.py turns it, with the models, into the OpenAPI document."""

from __future__ import annotations

from typing import Any

from .. import messages

CSRF_NOTE = (
    "Needs the session cookie and its CSRF token in the `X-CSRFToken` header "
    "(from `GET /api/v1/csrf`, or the `csrf_token` of the last sign-in)."
)

# status -> (description, error codes it may carry); every error body is an `Error`.
ERRORS: dict[int, tuple[str, list[str]]] = {
    400: (
        "CSRF token missing or invalid, or a body that is not JSON.",
        ["csrf_failed", "invalid_json"],
    ),
    401: ("Not signed in.", ["not_authenticated"]),
    403: (
        "A sensitive change: the password must have been given within `REAUTH_MINUTES` "
        "(`POST /api/v1/reauthenticate`).",
        ["reauthentication_required"],
    ),
    404: (
        "No live session of yours has this id: it has ended, or it is someone else's (one "
        "answer for both).",
        ["session_not_found"],
    ),
    409: ("The username is taken (compared case-insensitively).", ["username_taken"]),
    413: ("The body is larger than MAX_CONTENT_LENGTH.", ["payload_too_large"]),
    415: ("The body is not sent as application/json.", ["unsupported_media_type"]),
    422: (
        "The body is not an object with exactly the documented keys and types, or breaks a "
        "rule; `fields` says which key and why.",
        ["validation_failed"],
    ),
    429: ("Too many failed sign-in attempts; wait `Retry-After` seconds.", ["too_many_attempts"]),
    503: ("The database cannot be reached; try again shortly.", ["service_unavailable"]),
}
BODY_ERRORS = [400, 413, 415, 422]

SIGNED_IN = "Needs a live session (without one: 401, never a redirect)."
CHANGE = SIGNED_IN + " " + CSRF_NOTE
CSRF_ONLY = {400: ("CSRF token missing or invalid.", ["csrf_failed"])}
# Confirming with the password, as the account page does: a wrong one is counted like a
# failed sign-in of the account, from the same lockout.
PASSWORD_ERRORS = {
    400: (
        "CSRF token missing or invalid, a body that is not JSON, or a password that is not the "
        "account's (nothing changes).",
        ["csrf_failed", "invalid_json", "wrong_password"],
    ),
    429: (
        "Too many wrong passwords for this account or from this address (counted with failed "
        "sign-ins); wait `Retry-After` seconds.",
        ["too_many_attempts"],
    ),
}

# The contract, one entry per operation, in the order the docs show them; `error_texts`
# replaces an ERRORS entry where this operation means something more precise by the status.
OPERATIONS: list[dict[str, Any]] = [
    {
        "method": "get",
        "path": "/csrf",
        "summary": "Get a CSRF token",
        "description": "Starts a session (cookie) if there is none and returns its CSRF token.",
        "ok": (200, "The token for this session.", "CsrfOut"),
        "errors": [],
    },
    {
        "method": "post",
        "path": "/register",
        "summary": "Create an account",
        "description": "Uses the registration form's rules and messages. " + CSRF_NOTE,
        "body": "RegisterIn",
        "ok": (201, "The new account.", "UserOut"),
        "errors": [*BODY_ERRORS, 409, 429, 503],
        "error_texts": {
            429: (
                "Too many registrations from this address (`REGISTER_RATE_LIMIT`, shared with "
                "the form); wait `Retry-After` seconds.",
                ["too_many_requests"],
            )
        },
    },
    {
        "method": "post",
        "path": "/login",
        "summary": "Sign in",
        "description": (
            "Signs this client in with a fresh session cookie. An unknown user and a wrong "
            f'password get the same answer: 401 "{messages.INCORRECT_LOGIN}" Signing in clears '
            "the session, and with it the CSRF token: use the `csrf_token` of this response "
            "from now on. For an account with two-factor sign-in a right password signs "
            'nothing in yet: the answer is `{"second_factor": {"methods": [...]}}`, and '
            "`POST /api/v1/login/second-factor` finishes it within 5 minutes. " + CSRF_NOTE
        ),
        "body": "LoginIn",
        "ok": (
            200,
            "Signed in (the body carries the new session's CSRF token), or a second factor is "
            "needed (`second_factor`, and no `user`).",
            ["SignedIn", "SecondFactorNeeded"],
        ),
        "errors": [*BODY_ERRORS, 401, 429, 503],
        "error_texts": {
            401: (
                "Unknown user or wrong password: the same answer for both.",
                ["invalid_credentials"],
            ),
            429: (
                "Too many failed sign-in attempts for this account (`too_many_attempts`), or "
                "too many password checks from this address (`SIGN_IN_RATE_LIMIT`, shared with "
                "the form: `too_many_requests`); wait `Retry-After` seconds.",
                ["too_many_attempts", "too_many_requests"],
            ),
        },
    },
    {
        "method": "post",
        "path": "/logout",
        "summary": "Sign out",
        "description": "Ends the session on the server (a copied cookie is dead too). " + CSRF_NOTE,
        "ok": (204, "Signed out (also when no one was signed in).", None),
        "errors": [400, 503],
        "error_texts": {400: ("CSRF token missing or invalid.", ["csrf_failed"])},
    },
    {
        "method": "get",
        "path": "/me",
        "summary": "The signed-in user",
        "description": (
            "Never redirects: without a live session the answer is 401. `signed_in_at` is when "
            "this session signed in; `previous_login_at` is the sign-in before it, which the "
            'user page shows as "Previous sign-in"; `last_login_at` is deprecated and equals '
            "`signed_in_at`."
        ),
        "ok": (200, "The account behind this session.", "UserOut"),
        "errors": [401, 503],
    },
    {
        "method": "get",
        "path": "/sessions",
        "id": "list_sessions",
        "summary": "Your sessions",
        "description": (
            "Where this account is signed in, as the account page lists it: this session first "
            "(`current: true`), then the others, most recently used first. A session's `id` is "
            "the SHA-256 of its cookie's secret token, as the server stores it: it names the "
            "session and cannot be turned back into a cookie. " + SIGNED_IN
        ),
        "ok": (200, "The live sessions.", "SessionsOut"),
        "errors": [401, 503],
    },
    {
        "method": "delete",
        "path": "/sessions/{id}",
        "id": "end_session",
        "summary": "End one session",
        "description": (
            "Ends one of this account's sessions, remember-me included: another device's, or "
            "this one (which signs this client out, as `POST /api/v1/logout` does). " + CHANGE
        ),
        "parameters": [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": "A session's `id` from `GET /api/v1/sessions`.",
                "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            }
        ],
        "ok": (204, "The session has ended.", None),
        "errors": [400, 401, 404, 503],
        "error_texts": CSRF_ONLY,
    },
    {
        "method": "post",
        "path": "/sessions/revoke-others",
        "id": "end_other_sessions",
        "summary": "Sign out everywhere else",
        "description": (
            "Ends every session of this account but this one, remember-me included. " + CHANGE
        ),
        "ok": (200, "How many sessions ended.", "EndedOut"),
        "errors": [400, 401, 503],
        "error_texts": CSRF_ONLY,
    },
    {
        "method": "post",
        "path": "/password",
        "id": "change_password",
        "summary": "Change the password",
        "description": (
            "The account page's rules: `new_password` must meet the policy (422 with `fields`, "
            "the form's messages), and `current_password` must be the account's (400 "
            "`wrong_password`). Success ends every other session of the account, remember-me "
            "included, and clears the account's failed sign-ins; this session stays signed in and "
            "keeps its CSRF token. " + CHANGE
        ),
        "body": "PasswordChangeIn",
        "ok": (204, "Changed; the other sessions have ended.", None),
        "errors": [*BODY_ERRORS, 401, 429, 503],
        "error_texts": PASSWORD_ERRORS,
    },
    {
        "method": "get",
        "path": "/activity",
        "id": "activity",
        "summary": "Recent activity",
        "description": (
            "The account's latest audit events, as the user page shows them under \"Recent "
            'activity": sign-ins, failed ones, password changes, sessions ended. ' + SIGNED_IN
        ),
        "ok": (200, "The latest events.", "ActivityOut"),
        "errors": [401, 503],
    },
    {
        "method": "post",
        "path": "/account/delete",
        "id": "delete_account",
        "summary": "Delete the account",
        "description": (
            "Deletes the account, all its sessions and its activity, once `password` is the "
            "account's; the answer clears this client's cookies. It cannot be undone. " + CHANGE
        ),
        "body": "PasswordIn",
        "ok": (204, "Deleted; this client is signed out.", None),
        "errors": [*BODY_ERRORS, 401, 429, 503],
        "error_texts": PASSWORD_ERRORS,
    },
    {
        "method": "get",
        "path": "/openapi.json",
        "summary": "This description",
        "description": "OpenAPI 3.1, generated from the models that validate requests.",
        "ok": (200, "The OpenAPI document.", None),
        "errors": [],
    },
    {
        "method": "get",
        "path": "/docs",
        "summary": "This description, for people",
        "description": "An HTML page rendered by the app from this document (no scripts, no CDN).",
        "ok": (200, "The page.", None),
        "errors": [],
    },
]

# E-mail links: asking for a reset, using a reset link, confirming an address.
INVALID_TOKEN = (
    "The link's token is unknown, already used, replaced by a newer link (or a new password), "
    "or expired: ask for a new one.",
    ["invalid_token"],
)
OPERATIONS += [
    {
        "method": "post",
        "path": "/password/forgot",
        "summary": "Ask for a password reset link",
        "description": (
            "Sends a link to `/auth/reset/<token>` (valid RESET_MINUTES) if an account has "
            "confirmed this address. The answer is 202, the same and in the same time whether "
            "or not one has, and also past the limits per address and per client "
            "(FORGOT_RATE_LIMIT, FORGOT_RATE_LIMIT_PER_IP). " + CSRF_NOTE
        ),
        "body": "ForgotIn",
        "ok": (202, "Accepted: if an account has that address, a link is on its way.", None),
        "errors": [*BODY_ERRORS, 503],
    },
    {
        "method": "post",
        "path": "/password/reset",
        "summary": "Set a new password with a reset link",
        "description": (
            "Uses the token once. Every session of the account ends, every other reset link "
            "dies, a sign-in lockout lifts, and a notice goes to the account's address; no "
            "one is signed in. An account with a second factor must send its `method` and "
            "`code` too. " + CSRF_NOTE
        ),
        "body": "ResetIn",
        "ok": (204, "The password is set: sign in with it.", None),
        "errors": [*BODY_ERRORS, 401, 429, 503],
        "error_texts": {
            400: (INVALID_TOKEN[0], ["csrf_failed", "invalid_json", *INVALID_TOKEN[1]]),
            401: ("The second factor's code is wrong.", ["invalid_code"]),
            429: (
                "Too many wrong codes for this account; wait `Retry-After` seconds.",
                ["too_many_attempts"],
            ),
        },
    },
    {
        "method": "post",
        "path": "/email/confirm",
        "summary": "Confirm an e-mail address",
        "description": (
            "Uses the token of a link to `/auth/confirm/<token>` once: its address becomes the "
            "account's (a notice goes to the address it replaces). No sign-in needed. " + CSRF_NOTE
        ),
        "body": "ConfirmIn",
        "ok": (204, "The address is confirmed.", None),
        "errors": [*BODY_ERRORS, 409, 503],
        "error_texts": {
            400: (INVALID_TOKEN[0], ["csrf_failed", "invalid_json", *INVALID_TOKEN[1]]),
            409: ("Another account has confirmed this address since.", ["email_taken"]),
        },
    },
]

# Operations whose success is not one of the models: media type and schema.
RAW_CONTENT = {
    "/openapi.json": ("application/json", {"type": "object"}),
    "/docs": ("text/html", {"type": "string"}),
}
