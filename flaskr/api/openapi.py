"""The OpenAPI 3.1 description of /api/v1, generated from the same models that validate."""

from __future__ import annotations

import copy
import functools
from typing import Any

from pydantic.json_schema import models_json_schema

from .. import messages
from ..identity.policy import Policy
from .models import REQUEST_MODELS, RESPONSE_MODELS

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"

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
            )
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
        "description": "Never redirects: without a live session the answer is 401.",
        "ok": (200, "The account behind this session.", "UserOut"),
        "errors": [401, 503],
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

# Operations whose success is not one of the models: media type and schema.
RAW_CONTENT = {
    "/openapi.json": ("application/json", {"type": "object"}),
    "/docs": ("text/html", {"type": "string"}),
}


def _schemas(policy: Policy) -> dict[str, Any]:
    pairs = [(m, "validation") for m in REQUEST_MODELS]
    pairs += [(m, "serialization") for m in RESPONSE_MODELS]
    _, top = models_json_schema(pairs, ref_template=REF)
    schemas = top["$defs"]
    # The rules a new account must meet, as this deployment's policy says them.
    fields = schemas["RegisterIn"]["properties"]
    fields["username"]["description"] = policy.username_doc
    fields["password"]["description"] = policy.password_doc
    return schemas


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: dict[str, Any]) -> dict[str, Any]:
    status, description, model = op["ok"]
    ok: dict[str, Any] = {"description": description}
    if isinstance(model, list):
        ok["content"] = _json({"oneOf": [_ref(m) for m in model]})
    elif model:
        ok["content"] = _json(_ref(model))
    elif op["path"] in RAW_CONTENT:
        media, schema = RAW_CONTENT[op["path"]]
        ok["content"] = {media: {"schema": schema}}
    responses: dict[str, Any] = {str(status): ok}
    for code in op["errors"]:
        # `or`, not a default: a status only this operation has (404) is not in ERRORS.
        text, codes = op.get("error_texts", {}).get(code) or ERRORS[code]
        responses[str(code)] = {
            "description": f"{text} Codes: {', '.join(f'`{c}`' for c in codes)}.",
            "content": _json(_ref("Error")),
            "x-error-codes": codes,
        }
        if code == 429:
            responses[str(code)]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before the next attempt.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            }
    out: dict[str, Any] = {
        "operationId": op["path"].strip("/").replace(".", "_"),
        "summary": op["summary"],
        "description": op["description"],
        "responses": responses,
    }
    if "body" in op:
        out["requestBody"] = {"required": True, "content": _json(_ref(op["body"]))}
    if op["method"] == "post":
        out["security"] = [{"csrfToken": [], "session": []}]
    return out


@functools.cache
def _spec(policy: Policy) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(PREFIX + op["path"], {})[op["method"]] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "flaskr API",
            "version": "1",
            "description": (
                "Sign-up and sign-in for single-page and mobile clients: the same accounts and "
                "sessions as the web forms. JSON in and out; every error is "
                '`{"error": {"code", "message", "fields"?}}`. Sessions are cookies: keep a '
                "cookie jar. Every POST needs `X-CSRFToken`. Where `TWO_FACTOR_REQUIRED` is on, "
                "a signed-in account without two-factor sign-in gets 403 `two_factor_required` "
                "from every operation but `csrf`, `logout`, `me`, `reauthenticate` and the "
                "`two-factor` ones until it sets it up."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(policy),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }


def spec(policy: Policy) -> dict[str, Any]:
    """The OpenAPI document under `policy` (a copy: callers may not change the cached one)."""
    return copy.deepcopy(_spec(policy))


def operations(policy: Policy) -> list[dict[str, Any]]:
    """Each operation with its resolved request fields, for the human-readable page."""
    schemas = _schemas(policy)
    out = []
    for op in OPERATIONS:
        body = schemas[op["body"]] if "body" in op else None
        fields = []
        if body:
            required = set(body.get("required", []))
            for name, prop in body["properties"].items():
                fields.append(
                    {
                        "name": name,
                        "type": prop.get("type", "object"),
                        "required": name in required,
                        "description": prop.get("description", ""),
                    }
                )
        described = _operation(op)
        out.append(
            {
                **op,
                "path": PREFIX + op["path"],
                "fields": fields,
                "responses": {
                    k: v["description"] for k, v in sorted(described["responses"].items())
                },
            }
        )
    return out
