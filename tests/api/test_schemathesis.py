"""schemathesis against the app's own /api/v1/openapi.json, in-process on the WSGI app."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from flaskr import create_app


def documented_error_code(ctx, response, case) -> bool:
    """An error's `code` is one the document lists (`x-error-codes`) for this status."""
    operation = case.operation.schema.raw_schema["paths"][case.path].get(case.method.lower())
    documented = (operation or {}).get("responses", {}).get(str(response.status_code), {})
    if "x-error-codes" in documented:
        code = response.json()["error"]["code"]
        assert code in documented["x-error-codes"], f"{code} is not documented"
    return True


CHECKS = [
    documented_error_code,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# The document is read once, through the app's own route, from an app that touches no database;
# every test then calls its own app on its own database. (schemathesis's lazy `from_fixture`
# fails on pytest 9, which removed the node attribute it renames.)
_publisher = create_app(
    {"TESTING": True, "SECRET_KEY": "schema-only", "MONGO_URI": "mongomock://x/x"}
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _publisher)
schema.config.generation.update(
    modes=["positive", "negative"], max_examples=100, with_security_parameters=False
)


# One app and database per operation, shared by its examples, as a real server would be.
# Deterministic and without a stored example database, so every run tests the same inputs.
ONE_APP_PER_OPERATION = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
    derandomize=True,
    database=None,
)


def call_and_validate(case, app, api):
    # The client has a session and its CSRF token, so POSTs reach validation and the database.
    case.call_and_validate(
        app=app, session=api.client, headers={"X-CSRFToken": api.csrf()}, checks=CHECKS
    )


@schema.parametrize()
@ONE_APP_PER_OPERATION
def test_api_keeps_its_contract(case, app, api):
    call_and_validate(case, app, api)


@pytest.fixture
def alice(api):
    """A client signed in as alice, whose password is the one in the document's examples."""
    assert api.register().status_code == 201
    assert api.login().status_code == 200
    return api


@schema.parametrize()
@ONE_APP_PER_OPERATION
def test_api_keeps_its_contract_signed_in(case, app, alice):
    call_and_validate(case, app, alice)
    # An example that signed out or deleted the account (the document's examples carry
    # alice's password) would leave the rest signed out: sign her in again, as a new account
    # if need be. (After a lockout this fails, and the rest are 401s, as documented.)
    if alice.me().status_code == 401:
        alice.register()
        alice.login()
