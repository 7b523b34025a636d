"""The OpenAPI 3.1 description of /api/v1, generated from the same models that validate."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from pydantic.json_schema import models_json_schema

from ..identity.policy import Policy
from .contract import ERRORS, OPERATIONS, RAW_CONTENT
from .models import REQUEST_MODELS, RESPONSE_MODELS

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
# The methods CSRFProtect checks (WTF_CSRF_METHODS), as the contract uses them.
UNSAFE = {"post", "delete"}


def _schemas(policy: Policy) -> dict[str, Any]:
    pairs = [(m, "validation") for m in REQUEST_MODELS]
    pairs += [(m, "serialization") for m in RESPONSE_MODELS]
    _, top = models_json_schema(pairs, ref_template=REF)
    schemas = top["$defs"]
    # The rules a new account must meet, as this deployment's policy says them.
    fields = schemas["RegisterIn"]["properties"]
    fields["username"]["description"] = policy.username_doc
    fields["password"]["description"] = policy.password_doc
    schemas["PasswordChangeIn"]["properties"]["new_password"]["description"] = policy.password_doc
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
        "operationId": op.get("id") or re.sub(r"[^a-z]+", "_", op["path"].strip("/").lower()),
        "summary": op["summary"],
        "description": op["description"],
        "responses": responses,
    }
    if "parameters" in op:
        out["parameters"] = op["parameters"]
    if "body" in op:
        out["requestBody"] = {"required": True, "content": _json(_ref(op["body"]))}
    if op["method"] in UNSAFE:
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
                "cookie jar. Every POST and DELETE needs `X-CSRFToken`. Where "
                "`TWO_FACTOR_REQUIRED` is on, a signed-in account without two-factor sign-in gets "
                "403 `two_factor_required` from every operation but `csrf`, `logout`, `me`, "
                "`reauthenticate` and the `two-factor` ones until it sets it up."
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
