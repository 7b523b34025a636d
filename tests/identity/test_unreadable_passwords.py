"""A password with characters nobody can type again is refused everywhere (issue 18, point 7)."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.config import DEFAULTS
from flaskr.identity.policy import Policy


@pytest.mark.parametrize(
    "password",
    ["violet-harbour-\udcff-tundra", "violet-harbour-\ud800-tundra", "violet-\ufffd-harbour-88"],
    ids=["surrogate-escape", "lone-high-surrogate", "replacement-character"],
)
def test_the_policy_refuses_unreadable_characters(password):
    assert Policy.from_config(DEFAULTS).password_problem(password, "alice") == (
        messages.PASSWORD_UNREADABLE
    )


def test_the_api_refuses_a_lone_surrogate_from_a_json_escape(client, db):
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    body = '{"username": "alice", "password": "violet-harbour-\\ud800-tundra-88"}'
    response = client.post(
        "/api/v1/register",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    # pydantic's strict JSON parser refuses it before the policy sees it.
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert db.users.count_documents({}) == 0
