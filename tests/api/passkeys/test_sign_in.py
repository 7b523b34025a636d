"""Signing in with a passkey over the API: without a password (user verification required), as
the second step after one, and every answer that does not prove itself, as JSON with codes."""

from __future__ import annotations

import pytest

from flaskr import messages
from tests.support.authenticator import SoftAuthenticator
from tests.support.database import db_of
from tests.support.passkeys import ORIGIN
from tests.two_factor.helpers import code_at, to_step_start

from ..conftest import ApiClient
from .helpers import add, error_code, fresh, password_step, sign_in


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"uv": False}, 401, "passkey_refused"),
        ({"origin": "http://localhost:5001"}, 401, "passkey_refused"),
        ({"user_handle": None}, 401, "passkey_refused"),
    ],
    ids=["no-user-verification", "other-origin", "no-user-handle"],
)
def test_a_sign_in_that_does_not_prove_itself_is_401(
    app, openapi_schema, alice, device, change, status, code
):
    add(alice, device)
    answer = sign_in(fresh(app, openapi_schema), device, **change)
    assert (answer.status_code, error_code(answer)) == (status, code)
    assert answer.get_json()["error"]["message"] == str(messages.PASSKEY_REFUSED)


def test_a_replayed_or_foreign_or_late_answer_is_challenge_expired(
    app, openapi_schema, alice, device, clock
):
    add(alice, device)
    browser = fresh(app, openapi_schema)
    options = browser.post("/passkeys/sign-in/options").get_json()["options"]
    answer = device.get(options)
    # Sent from another session (another browser): not its challenge.
    elsewhere = fresh(app, openapi_schema).post("/passkeys/sign-in", {"credential": answer})
    assert (elsewhere.status_code, error_code(elsewhere)) == (401, "challenge_expired")
    assert browser.post("/passkeys/sign-in", {"credential": answer}).status_code == 200
    browser.token = None  # signing in made a new session: fetch its token
    again = browser.post("/passkeys/sign-in", {"credential": answer})
    assert (again.status_code, error_code(again)) == (401, "challenge_expired")
    late = fresh(app, openapi_schema)
    options = late.post("/passkeys/sign-in/options").get_json()["options"]
    clock.advance(minutes=5)
    expired = late.post("/passkeys/sign-in", {"credential": device.get(options)})
    assert error_code(expired) == "challenge_expired"


@pytest.mark.db
def test_after_the_password_a_passkey_finishes_the_sign_in(app, openapi_schema, alice, device, db):
    add(alice, device)
    other = fresh(app, openapi_schema)
    step = password_step(other)
    assert step.get_json() == {"second_factor": {"methods": ["passkey"]}}
    options = other.post("/login/second-factor/passkey/options").get_json()["options"]
    assert options["userVerification"] == "preferred"
    finished = other.post(
        "/login/second-factor/passkey", {"credential": device.get(options, uv=False)}
    )
    assert finished.status_code == 200
    assert finished.get_json()["user"]["username"] == "alice"
    assert db.auth_events.find_one({"event": "second_step_passed"}) is not None


def test_a_code_still_finishes_a_sign_in_that_also_takes_a_passkey(
    app, openapi_schema, alice, device, clock
):
    to_step_start(clock)
    secret = alice.post("/two-factor/totp").get_json()["secret"]
    assert (
        alice.post("/two-factor/totp/confirm", {"code": code_at(secret, clock.at)}).status_code
        == 200
    )
    add(alice, device)
    other = fresh(app, openapi_schema)
    methods = password_step(other).get_json()["second_factor"]["methods"]
    assert methods == ["totp", "recovery_code", "passkey"]
    finished = other.post("/login/second-factor", {"code": code_at(secret, clock.at, steps=1)})
    assert finished.status_code == 200


def test_without_a_pending_sign_in_the_second_step_is_401(app, openapi_schema, alice, device):
    add(alice, device)
    other = fresh(app, openapi_schema)
    answer = other.post("/login/second-factor/passkey/options")
    assert (answer.status_code, error_code(answer)) == (401, "sign_in_expired")
    step = other.post(
        "/login/second-factor/passkey",
        {"credential": device.get({"rpId": "localhost", "challenge": "AAAA"})},
    )
    assert (step.status_code, error_code(step)) == (401, "sign_in_expired")


def test_another_accounts_passkey_does_not_finish_the_second_step(
    app, openapi_schema, alice, device
):
    add(alice, device)
    bob = fresh(app, openapi_schema)
    bob.register("bob")
    bob.login("bob")
    bobs = SoftAuthenticator(ORIGIN)
    add(bob, bobs)
    other = fresh(app, openapi_schema)
    password_step(other)
    options = other.post("/login/second-factor/passkey/options").get_json()["options"]
    answer = other.post("/login/second-factor/passkey", {"credential": bobs.get(options)})
    assert (answer.status_code, error_code(answer)) == (401, "passkey_refused")
    assert other.me().status_code == 401


def test_wrong_second_steps_are_throttled(make_app, openapi_schema):
    app = make_app(PUBLIC_URL=ORIGIN, TWO_FACTOR_MAX_FAILURES=2)
    owner = ApiClient(app.test_client(), openapi_schema)
    owner.register()
    owner.login()
    device = SoftAuthenticator(ORIGIN)
    add(owner, device)
    other = fresh(app, openapi_schema)
    password_step(other)
    for _ in range(2):
        options = other.post("/login/second-factor/passkey/options").get_json()["options"]
        other.post(
            "/login/second-factor/passkey",
            {"credential": device.get(options, origin="http://x.localhost")},
        )
    options = other.post("/login/second-factor/passkey/options").get_json()["options"]
    locked = other.post("/login/second-factor/passkey", {"credential": device.get(options)})
    assert (locked.status_code, error_code(locked)) == (429, "too_many_attempts")
    assert int(locked.headers["Retry-After"]) > 0


@pytest.mark.db
def test_passkey_sign_ins_started_are_limited_per_address(make_app, openapi_schema):
    """Anyone may ask for sign-in options (a challenge stored each time): counted per address
    under SIGN_IN_RATE_LIMIT, apart from password checks."""
    app = make_app(PUBLIC_URL=ORIGIN, SIGN_IN_RATE_LIMIT="2 per minute")
    browser = ApiClient(app.test_client(), openapi_schema)
    for _ in range(2):
        assert browser.post("/passkeys/sign-in/options").status_code == 200
    refused = browser.post("/passkeys/sign-in/options")
    assert (refused.status_code, error_code(refused)) == (429, "too_many_requests")
    assert int(refused.headers["Retry-After"]) > 0
    assert db_of(app).webauthn_challenges.count_documents({}) == 2
    # Password checks have their own budget.
    browser.register()
    assert browser.login().status_code == 200
