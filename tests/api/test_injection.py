"""Injection: operators, type confusion and extra keys in every field; none signs anyone in,
creates anyone, or reaches the database.

Each attack is its own test on mongomock; the last test replays them all on the real server,
in one database, because setting up a database per attack there costs seconds.
"""

from __future__ import annotations

import json

import pytest

from tests.support.web import PASSWORD

# Every MongoDB query operator a login form has been attacked with, and then some.
OPERATORS = [
    {"$ne": None},
    {"$ne": ""},
    {"$gt": ""},
    {"$gte": ""},
    {"$lt": "~"},
    {"$lte": "~"},
    {"$regex": ".*"},
    {"$regex": "^a", "$options": "i"},
    {"$where": "return true"},
    {"$where": "sleep(1000)"},
    {"$exists": True},
    {"$in": ["alice", "admin"]},
    {"$nin": []},
    {"$not": {"$eq": ""}},
    {"$eq": "alice"},
    {"$expr": {"$eq": [1, 1]}},
    {"$function": {"body": "function() {return true}", "args": [], "lang": "js"}},
    {"$type": 2},
    {"$size": 0},
    {"$all": []},
    {"$elemMatch": {}},
    {"$or": [{}]},
    {"$and": [{}]},
    {"$jsonSchema": {}},
    {"$text": {"$search": "alice"}},
    {"$mod": [1, 0]},
    {"$comment": "x"},
]
CONFUSIONS = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.5,
    1e308,
    [],
    ["alice"],
    [{"$ne": None}],
    {},
    {"": ""},
    {"username": "alice"},
    {"$numberLong": "1"},
    {"$oid": "000000000000000000000000"},
]
BAD_VALUES = OPERATORS + CONFUSIONS
IDS = [json.dumps(v)[:40] for v in BAD_VALUES]

GOOD = {"username": "alice", "password": PASSWORD}


@pytest.fixture
def victim(api):
    """An existing account that every attack below tries to get into."""
    assert api.register().status_code == 201
    api.csrf()
    return api


def test_the_database_counter_sees_a_real_sign_in(victim, db_calls):
    # The check the whole suite relies on: valid input does reach the database.
    db_calls.clear()
    assert victim.login().status_code == 200
    assert db_calls


def assert_refused(api, response, db_calls, *, status: int = 422):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] in {"validation_failed", "unsupported_media_type"}
    assert db_calls == [], "invalid input reached the database"
    assert api.me().status_code == 401


@pytest.mark.parametrize("value", BAD_VALUES, ids=IDS)
@pytest.mark.parametrize("field", ["username", "password"])
def test_login_field_injection(victim, db_calls, field, value):
    db_calls.clear()
    response = victim.post("/login", {**GOOD, field: value})
    assert response.get_json()["error"]["fields"] == {field: "Must be a string."}
    assert_refused(victim, response, db_calls)


NOT_BOOLEANS = [v for v in BAD_VALUES if not isinstance(v, bool)] + ["true", "yes", "on", "1", ""]


@pytest.mark.parametrize("value", NOT_BOOLEANS, ids=[json.dumps(v)[:40] for v in NOT_BOOLEANS])
def test_login_remember_must_be_a_boolean(victim, db_calls, value):
    db_calls.clear()
    response = victim.post("/login", {**GOOD, "remember": value})
    assert response.get_json()["error"]["fields"] == {"remember": "Must be true or false."}
    assert_refused(victim, response, db_calls)


@pytest.mark.parametrize("value", BAD_VALUES, ids=IDS)
@pytest.mark.parametrize("field", ["username", "password"])
def test_register_field_injection(victim, db, db_calls, field, value):
    db_calls.clear()
    response = victim.post("/register", {"username": "mallory", "password": PASSWORD, field: value})
    assert response.get_json()["error"]["fields"] == {field: "Must be a string."}
    assert_refused(victim, response, db_calls)
    assert db.users.count_documents({}) == 1


EXTRA_KEYS = [
    "$where",
    "$or",
    "$ne",
    "username.$ne",
    "_id",
    "password_hash",
    "admin",
    "Username",
    "",
]


@pytest.mark.parametrize("path", ["/login", "/register"])
@pytest.mark.parametrize("key", EXTRA_KEYS)
def test_unknown_keys_are_refused(victim, db_calls, path, key):
    db_calls.clear()
    response = victim.post(path, {**GOOD, key: {"$ne": None}})
    assert response.get_json()["error"]["fields"] == {key: "Unknown field."}
    assert_refused(victim, response, db_calls)


@pytest.mark.parametrize("path", ["/login", "/register"])
@pytest.mark.parametrize(
    "body",
    [
        {"$or": [{"username": "alice"}, {"username": {"$ne": None}}]},
        {"username": "alice"},
        {"password": PASSWORD},
        {},
    ],
    ids=["or", "no-password", "no-username", "empty"],
)
def test_operators_or_missing_keys_at_the_top(victim, db_calls, path, body):
    db_calls.clear()
    response = victim.post(path, body)
    fields = response.get_json()["error"]["fields"]
    assert {k: v for k, v in fields.items() if k in GOOD} == {
        k: "This field is required." for k in GOOD if k not in body
    }
    assert_refused(victim, response, db_calls)


@pytest.mark.parametrize("path", ["/login", "/register"])
@pytest.mark.parametrize(
    "raw",
    # NaN is not JSON, but the parser reads it as a number: still not an object.
    ["[]", "null", "true", "1", '"alice"', f"[{json.dumps(GOOD)}]", "NaN"],
)
def test_a_body_that_is_not_an_object(victim, db_calls, path, raw):
    db_calls.clear()
    response = victim.post(path, data=raw, content_type="application/json")
    error = response.get_json()["error"]
    assert error["message"] == "The body must be a JSON object."
    assert "fields" not in error
    assert_refused(victim, response, db_calls)


@pytest.mark.parametrize("path", ["/login", "/register"])
@pytest.mark.parametrize(
    "raw",
    [
        "",
        "{",
        "{'username': 'alice'}",
        '{"username": "alice"} {}',
        b"\xff\xfe",
        '{"username": "\\ud800"}',
    ],
)
def test_invalid_json(victim, db_calls, path, raw):
    db_calls.clear()
    response = victim.post(path, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert db_calls == []
    assert victim.me().status_code == 401


@pytest.mark.parametrize("path", ["/login", "/register"])
@pytest.mark.parametrize(
    "kw",
    [
        {"data": GOOD},
        {"data": {"username[$ne]": "x", "password[$ne]": "x"}},
        {"data": json.dumps(GOOD), "content_type": "text/plain"},
        {"data": json.dumps(GOOD)},
        {"data": json.dumps(GOOD), "content_type": "application/x-www-form-urlencoded"},
    ],
    ids=["form", "form-operators", "text-plain", "no-content-type", "json-as-form"],
)
def test_wrong_content_type_is_415(victim, db_calls, path, kw):
    db_calls.clear()
    response = victim.post(path, **kw)
    assert_refused(victim, response, db_calls, status=415)


def test_a_duplicate_key_cannot_smuggle_an_operator(victim, db_calls):
    db_calls.clear()
    raw = '{"username": "alice", "username": {"$ne": null}, "password": "x"}'
    response = victim.post("/login", data=raw, content_type="application/json")
    assert response.get_json()["error"]["fields"] == {"username": "Must be a string."}
    assert_refused(victim, response, db_calls)


@pytest.mark.parametrize(
    "username", ["$ne", "alice$", "alice'||'1'=='1", '{"$gt": ""}', "a" * 5000, "alice\x00"]
)
def test_operator_looking_strings_are_just_wrong_names(victim, monkeypatch, username):
    from flaskr.identity import users

    lookups = []
    monkeypatch.setattr(users, "find_user", lambda name: lookups.append(name))
    response = victim.post("/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    # Not a valid username, so no lookup either: the same bcrypt cost is burnt instead.
    # (The failure is still counted by the throttle, under the name's SHA-256 only.)
    assert lookups == []
    assert victim.me().status_code == 401


@pytest.mark.parametrize("password", ['{"$gt": ""}', "$ne", "' or 1=1 --", ""])
def test_operator_looking_passwords_are_just_wrong_passwords(victim, password):
    response = victim.post("/login", {"username": "alice", "password": password})
    assert response.status_code == 401
    assert victim.me().status_code == 401


@pytest.mark.realdb
def test_every_attack_on_the_real_server(victim, db, db_calls):
    bodies = [{**GOOD, field: value} for field in GOOD for value in BAD_VALUES]
    bodies += [{"remember": value, **GOOD} for value in NOT_BOOLEANS]
    bodies += [{**GOOD, key: {"$ne": None}} for key in EXTRA_KEYS]
    for path in ("/login", "/register"):
        for body in bodies:
            db_calls.clear()
            response = victim.post(path, body)
            assert response.status_code == 422, body
            assert db_calls == [], body
        for raw, content_type, status in [
            ("{", "application/json", 400),
            ("[]", "application/json", 422),
            (json.dumps(GOOD), "text/plain", 415),
        ]:
            db_calls.clear()
            response = victim.post(path, data=raw, content_type=content_type)
            assert response.status_code == status, raw
            assert db_calls == [], raw
    assert victim.me().status_code == 401
    assert db.users.count_documents({}) == 1
    assert db.sessions.count_documents({}) == 0
