"""Injection into the signed-in operations (password change, deletion, ending a session): no
attack checks a password, changes one, deletes or ends anything; past loading the caller's own
session, none reaches the database.

As in test_injection.py: each attack its own test on mongomock, then all of them replayed on
the real server in one database.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from flaskr.identity import sessions
from tests.api.conftest import SIGNED_IN_CALLS
from tests.api.test_injection import BAD_VALUES, EXTRA_KEYS, IDS

BODIES = {path: body for _, path, body in SIGNED_IN_CALLS if body}
FIELDS = [(path, field) for path, body in BODIES.items() for field in body]


@pytest.fixture
def alice(api, db, clock):
    """Signed in, on a frozen clock (so loading her session costs the same every time)."""
    assert api.register().status_code == 201
    assert api.login().status_code == 200
    return api


@pytest.fixture
def session_load(alice, db_calls):
    """What a signed-in request costs the database before its view runs: the session's load."""
    db_calls.clear()
    assert alice.me().status_code == 200
    return len(db_calls)


def assert_nothing_happened(api, db, before: dict) -> None:
    """Still signed in, same password, same sessions, no new event."""
    assert api.me().status_code == 200
    assert db.users.find_one({"username": "alice"})["password_hash"] == before["hash"]
    assert db.sessions.count_documents({}) == before["sessions"]
    assert db.auth_events.count_documents({}) == before["events"]


@pytest.fixture
def before(alice, db):
    return {
        "hash": db.users.find_one({"username": "alice"})["password_hash"],
        "sessions": db.sessions.count_documents({}),
        "events": db.auth_events.count_documents({}),
    }


def refused(api, db_calls, session_load: int, path: str, status: int = 422, **kw):
    db_calls.clear()
    response = api.post(path, **kw)
    assert response.status_code == status, response.get_data(as_text=True)
    assert len(db_calls) == session_load, "invalid input reached the database"
    return response.get_json()["error"]


@pytest.mark.parametrize("value", BAD_VALUES, ids=IDS)
@pytest.mark.parametrize(("path", "field"), FIELDS)
def test_field_injection(alice, db, db_calls, session_load, before, path, field, value):
    error = refused(alice, db_calls, session_load, path, json={**BODIES[path], field: value})
    assert error["fields"] == {field: "Must be a string."}
    assert_nothing_happened(alice, db, before)


@pytest.mark.parametrize("path", list(BODIES))
@pytest.mark.parametrize("key", EXTRA_KEYS)
def test_unknown_keys_are_refused(alice, db, db_calls, session_load, before, path, key):
    error = refused(alice, db_calls, session_load, path, json={**BODIES[path], key: {"$ne": None}})
    assert error["fields"] == {key: "Unknown field."}
    assert_nothing_happened(alice, db, before)


@pytest.mark.parametrize("path", list(BODIES))
@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ("[]", "application/json", 422, "validation_failed"),
        ("null", "application/json", 422, "validation_failed"),
        ('{"password": {"$ne": null}}', "application/json", 422, "validation_failed"),
        ("{", "application/json", 400, "invalid_json"),
        ('{"password": "\\ud800"}', "application/json", 400, "invalid_json"),
        ("password[$ne]=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("{}", "text/plain", 415, "unsupported_media_type"),
    ],
    ids=["list", "null", "operator", "truncated", "lone-surrogate", "form", "text-plain"],
)
def test_bodies_that_are_not_the_object(
    alice, db, db_calls, session_load, before, path, raw, content_type, status, code
):
    error = refused(
        alice, db_calls, session_load, path, status, data=raw, content_type=content_type
    )
    assert error["code"] == code
    assert_nothing_happened(alice, db, before)


SESSION_IDS = ['{"$ne": null}', "$ne", "[$ne]", ".*", "0" * 64 + "' || '1'=='1", "a" * 5000]


@pytest.mark.parametrize("sid", SESSION_IDS, ids=[s[:20] for s in SESSION_IDS])
def test_a_session_id_is_only_ever_a_string_to_look_up(alice, db, before, monkeypatch, sid):
    looked_up = []
    real = sessions.end_user_session

    def recorded(user_id, session_id):
        looked_up.append(session_id)
        return real(user_id, session_id)

    monkeypatch.setattr(sessions, "end_user_session", recorded)
    response = alice.delete("/sessions/" + quote(sid, safe=""))
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        404,
        "session_not_found",
    )
    assert looked_up == [sid]
    assert_nothing_happened(alice, db, before)


@pytest.mark.realdb
def test_every_attack_on_the_real_server(alice, db, db_calls, session_load, before):
    for path, body in BODIES.items():
        attacks = [{**body, field: value} for field in body for value in BAD_VALUES]
        attacks += [{**body, key: {"$ne": None}} for key in EXTRA_KEYS]
        for attack in attacks:
            refused(alice, db_calls, session_load, path, json=attack)
        for raw in ("{", "[]", json.dumps(body)):
            status = 400 if raw == "{" else 422 if raw == "[]" else 415
            content_type = "text/plain" if status == 415 else "application/json"
            refused(
                alice, db_calls, session_load, path, status, data=raw, content_type=content_type
            )
    for sid in SESSION_IDS:
        assert alice.delete("/sessions/" + quote(sid, safe="")).status_code == 404
    assert_nothing_happened(alice, db, before)
