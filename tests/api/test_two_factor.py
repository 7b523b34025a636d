"""Two-factor sign-in over the API, every answer checked against the OpenAPI document."""

from __future__ import annotations

import pytest

from flaskr import messages
from tests.two_factor.helpers import code_at, to_step_start

from .conftest import ApiClient


@pytest.fixture
def on_step(clock):
    to_step_start(clock)
    return clock


@pytest.fixture
def alice(api):
    assert api.register().status_code == 201
    assert api.login().status_code == 200
    return api


def enable(api, clock) -> tuple[str, list[str]]:
    setup = api.post("/two-factor/totp")
    assert setup.status_code == 200
    secret = setup.get_json()["secret"]
    confirmed = api.post("/two-factor/totp/confirm", {"code": code_at(secret, clock.at)})
    assert confirmed.status_code == 200
    return secret, confirmed.get_json()["recovery_codes"]


@pytest.fixture
def enabled(alice, on_step):
    return enable(alice, on_step)


def fresh_client(app, openapi_schema) -> ApiClient:
    return ApiClient(app.test_client(), openapi_schema)


def password_step(api: ApiClient):
    """POST /login with alice's password; the answer, with no session started."""
    return api.post("/login", {"username": "alice", "password": "violet-harbour-88-tundra"})


@pytest.mark.db
def test_the_password_answers_with_the_methods_and_no_user(app, openapi_schema, enabled, db):
    other = fresh_client(app, openapi_schema)
    response = password_step(other)
    assert response.status_code == 200
    assert response.get_json() == {"second_factor": {"methods": ["totp", "recovery_code"]}}
    assert other.me().status_code == 401
    assert db.sessions.count_documents({}) == 1  # alice's first, from before two-factor


@pytest.mark.db
def test_a_code_finishes_the_sign_in(app, openapi_schema, enabled, on_step):
    secret, _ = enabled
    on_step.advance(seconds=30)
    other = fresh_client(app, openapi_schema)
    password_step(other)
    response = other.post("/login/second-factor", {"code": code_at(secret, on_step.at)})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"user", "csrf_token"}
    assert body["user"]["username"] == "alice"
    other.token = body["csrf_token"]
    assert other.me().status_code == 200
    assert other.logout().status_code == 204


def test_a_wrong_or_replayed_code_is_401_invalid_code(app, openapi_schema, enabled, on_step):
    secret, _ = enabled
    other = fresh_client(app, openapi_schema)
    password_step(other)
    # The code that turned two-factor on is used up.
    replay = other.post("/login/second-factor", {"code": code_at(secret, on_step.at)})
    assert replay.status_code == 401
    assert replay.get_json()["error"] == {
        "code": "invalid_code",
        "message": str(messages.WRONG_CODE),
    }
    assert other.me().status_code == 401


def test_a_recovery_code_finishes_it_and_says_how_many_are_left(app, openapi_schema, enabled):
    _, codes = enabled
    other = fresh_client(app, openapi_schema)
    password_step(other)
    response = other.post("/login/second-factor", {"recovery_code": codes[0]})
    assert response.status_code == 200
    assert response.get_json()["recovery_codes_left"] == 9
    again = fresh_client(app, openapi_schema)
    password_step(again)
    used = again.post("/login/second-factor", {"recovery_code": codes[0]})
    assert used.status_code == 401
    assert used.get_json()["error"]["message"] == str(messages.WRONG_RECOVERY_CODE)


@pytest.mark.parametrize(
    "body", [{}, {"code": "123456", "recovery_code": "abcd-efgh-jkmn-pqrs"}, {"code": None}]
)
def test_exactly_one_answer_is_taken(app, openapi_schema, enabled, body):
    other = fresh_client(app, openapi_schema)
    password_step(other)
    response = other.post("/login/second-factor", body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize("body", [{"code": {"$ne": None}}, {"code": ["123456"]}, {"code": 123456}])
def test_only_strings_reach_the_check(app, openapi_schema, enabled, body, db_calls):
    other = fresh_client(app, openapi_schema)
    other.csrf()
    db_calls.clear()
    response = other.post("/login/second-factor", body)
    assert response.status_code == 422
    assert db_calls == []


def test_without_a_pending_sign_in_it_is_401_sign_in_expired(api):
    response = api.post("/login/second-factor", {"code": "123456"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "sign_in_expired"


def test_the_pending_sign_in_expires(app, openapi_schema, enabled, on_step):
    secret, _ = enabled
    other = fresh_client(app, openapi_schema)
    password_step(other)
    on_step.advance(minutes=5, seconds=1)
    response = other.post("/login/second-factor", {"code": code_at(secret, on_step.at)})
    assert response.get_json()["error"]["code"] == "sign_in_expired"


@pytest.mark.db
def test_wrong_codes_are_throttled_with_retry_after(app, openapi_schema, enabled, on_step):
    secret, _ = enabled
    on_step.advance(seconds=30)
    other = fresh_client(app, openapi_schema)
    password_step(other)
    for _ in range(app.config["TWO_FACTOR_MAX_FAILURES"]):
        assert other.post("/login/second-factor", {"code": "000000"}).status_code == 401
    locked = other.post("/login/second-factor", {"code": code_at(secret, on_step.at)})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.get_json()["error"]["code"] == "too_many_attempts"


def test_status_setup_confirm_new_codes_and_disable(alice, on_step):
    assert alice.get("/two-factor").get_json() == {
        "totp": False,
        "enabled_at": None,
        "recovery_codes_left": 0,
    }
    setup = alice.post("/two-factor/totp").get_json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/flaskr:alice?secret=" + setup["secret"])
    wrong = alice.post(
        "/two-factor/totp/confirm", {"code": code_at(setup["secret"], on_step.at, 4)}
    )
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["code"] == "invalid_code"
    codes = alice.post("/two-factor/totp/confirm", {"code": code_at(setup["secret"], on_step.at)})
    assert len(codes.get_json()["recovery_codes"]) == 10
    status = alice.get("/two-factor").get_json()
    assert status["totp"] is True and status["recovery_codes_left"] == 10
    assert alice.post("/two-factor/totp").get_json()["error"]["code"] == "two_factor_on"
    new = alice.post("/two-factor/recovery-codes").get_json()["recovery_codes"]
    assert not set(new) & set(codes.get_json()["recovery_codes"])
    bad = alice.post("/two-factor/disable", {"recovery_code": "0000-0000-0000-0000"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_code"
    off = alice.post("/two-factor/disable", {"recovery_code": new[0]})
    assert off.status_code == 200
    assert off.get_json() == {"sessions_ended": 0}
    assert alice.get("/two-factor").get_json()["totp"] is False
    again = alice.post("/two-factor/disable", {"code": "123456"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "two_factor_off"
    assert alice.post("/two-factor/recovery-codes").get_json()["error"]["code"] == "two_factor_off"


def test_confirm_without_a_setup_is_409_no_setup(alice):
    response = alice.post("/two-factor/totp/confirm", {"code": "123456"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_setup"


def test_changes_need_a_recent_password(alice, clock):
    clock.advance(minutes=11)
    for path, body in [
        ("/two-factor/totp", None),
        ("/two-factor/totp/confirm", {"code": "123456"}),
        ("/two-factor/recovery-codes", None),
        ("/two-factor/disable", {"code": "123456"}),
    ]:
        response = alice.post(path, body)
        assert response.status_code == 403, path
        assert response.get_json()["error"] == {
            "code": "reauthentication_required",
            "message": str(messages.REAUTH_REQUIRED),
        }
    wrong = alice.post("/reauthenticate", {"password": "not it"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "wrong_password"
    assert (
        alice.post("/reauthenticate", {"password": "violet-harbour-88-tundra"}).status_code == 204
    )
    assert alice.post("/two-factor/totp").status_code == 200


def test_signed_out_clients_get_401(api):
    assert api.get("/two-factor").status_code == 401
    assert api.post("/two-factor/totp").status_code == 401
    assert api.post("/reauthenticate", {"password": "x"}).status_code == 401


def test_the_document_describes_the_second_factor(document):
    login = document["paths"]["/api/v1/login"]["post"]["responses"]["200"]
    refs = [s["$ref"] for s in login["content"]["application/json"]["schema"]["oneOf"]]
    assert refs == [
        "#/components/schemas/SignedIn",
        "#/components/schemas/SecondFactorNeeded",
    ]
    for path in [
        "/login/second-factor",
        "/reauthenticate",
        "/two-factor",
        "/two-factor/totp",
        "/two-factor/totp/confirm",
        "/two-factor/recovery-codes",
        "/two-factor/disable",
    ]:
        assert "/api/v1" + path in document["paths"]


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()
