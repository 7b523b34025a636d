"""The HTML forms read form bodies only: any other body gets 415 in the site's layout, never
a 500 (issue 18, point 3). The API's JSON is tested under tests/api."""

from __future__ import annotations

import json
import logging

import pytest

from tests.support.web import PASSWORD, csrf_token, page_text

# What made Flask-WTF raise deep inside its form (ValueError, RecursionError): a 500.
BODIES = ['"x"', "[1]", "123", "[" * 5000 + "]" * 5000, '{"username": "alice"}', "null"]
SIGNED_OUT_FORMS = ["/auth/login", "/auth/register"]
SIGNED_IN_FORMS = ["/account/password", "/account/delete"]


def _post(client, path: str, body: str, token: str, content_type: str = "application/json"):
    return client.post(path, data=body, content_type=content_type, headers={"X-CSRFToken": token})


def _signed_in(client, auth):
    auth.register()
    assert auth.login().status_code == 302
    return csrf_token(client, "/account")


def _assert_refused(response, caplog):
    assert response.status_code == 415
    text = page_text(response)
    assert "This page accepts form submissions only." in text
    assert "<nav" in text or "<header" in text  # the site's layout, not a bare error
    # One request line, no traceback.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b[:12])
@pytest.mark.parametrize("path", SIGNED_OUT_FORMS)
def test_a_json_body_to_a_signed_out_form_is_415(client, caplog, path, body):
    token = csrf_token(client, path)
    with caplog.at_level(logging.INFO):
        response = _post(client, path, body, token)
    _assert_refused(response, caplog)


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b[:12])
@pytest.mark.parametrize("path", SIGNED_IN_FORMS)
def test_a_json_body_to_an_account_form_is_415_and_changes_nothing(
    client, auth, caplog, path, body
):
    token = _signed_in(client, auth)
    with caplog.at_level(logging.INFO):
        response = _post(client, path, body, token)
    _assert_refused(response, caplog)
    # Still signed in, with the same password.
    assert client.get("/user").status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-json"])
def test_other_body_types_are_415_too(client, caplog, content_type):
    token = csrf_token(client)
    body = f"username=alice&password={PASSWORD}"
    with caplog.at_level(logging.INFO):
        response = _post(client, "/auth/login", body, token, content_type)
    _assert_refused(response, caplog)


def test_without_the_csrf_token_a_json_body_is_refused(client):
    response = client.post("/auth/login", data=json.dumps("x"), content_type="application/json")
    # CSRF is checked first: the form is shown again, nothing was read.
    assert (response.status_code, response.headers["Location"]) == (303, "/auth/login")


def test_form_bodies_still_work(client, auth):
    auth.register()
    assert auth.login().status_code == 302
