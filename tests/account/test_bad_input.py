"""The account forms take each field once, as text: repeats get 400, JSON bodies 415."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from tests.support.web import PASSWORD, csrf_token, signed_in, signed_in_client

NOT_TEXT = [{"$ne": None}, ["a", "b"], 12345678, None, True]


@pytest.mark.parametrize("value", NOT_TEXT, ids=repr)
@pytest.mark.parametrize(
    ("path", "field", "other"),
    [
        ("/account/delete", "password", {}),
        ("/account/password", "current_password", {"new_password": "plum-orbit-73-canyon"}),
        ("/account/password", "new_password", {"current_password": PASSWORD}),
    ],
)
def test_a_json_value_that_is_not_text_is_refused(app, alice, path, field, other, value):
    client = signed_in_client(app)
    # The token in the header, as a script would send it: the body is what is under test.
    headers = {"X-CSRFToken": csrf_token(client, "/account")}
    response = client.post(path, json={**other, field: value}, headers=headers)
    # A form page reads form bodies only (tests/web/test_form_bodies.py).
    assert response.status_code == 415
    assert "This page accepts form submissions only." in response.get_data(as_text=True)
    # Nothing changed: still signed in with the old password.
    assert signed_in(client)


def test_a_repeated_password_field_is_refused(app, alice):
    client = signed_in_client(app)
    data = MultiDict(
        [
            ("password", PASSWORD),
            ("password", "other"),
            ("csrf_token", csrf_token(client, "/account")),
        ]
    )
    response = client.post("/account/delete", data=data)
    assert response.status_code == 400
    assert "Send each field once." in response.get_data(as_text=True)
    assert signed_in(client)
