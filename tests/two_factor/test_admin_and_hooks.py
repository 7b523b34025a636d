"""What other features build on: the one door's events and signals, the check a password
reset calls, the administrator's reset, and TWO_FACTOR_REQUIRED."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import audit, signals, signin, users
from flaskr.identity.audit import Actor
from flaskr.web.context import settings
from tests.support.users import add_user
from tests.support.web import AuthActions, csrf_token, page_text

from .helpers import TwoFactorPages, code_at

ACTOR = Actor.self("198.51.100.9", "pytest")
EVENTS = [
    audit.PASSWORD_PASSED,
    audit.RECOVERY_CODE_USED,
    audit.TWO_FACTOR_ENABLED,
    audit.TWO_FACTOR_DISABLED,
    audit.RECOVERY_CODES_REGENERATED,
    audit.TWO_FACTOR_RESET,
    audit.REAUTHENTICATED,
]


@pytest.fixture
def heard():
    """Every two-factor signal sent during the test: (event, user id, details)."""
    got = []

    def listen(name):
        def handler(sender, **details):
            got.append((name, sender, details))

        return handler

    handlers = [(signals.event(name), listen(name)) for name in EVENTS]
    for signal, handler in handlers:
        signal.connect(handler)
    yield got
    for signal, handler in handlers:
        signal.disconnect(handler)


def test_every_event_reads_as_a_sentence_in_recent_activity():
    for name in EVENTS:
        assert name in messages.EVENTS


def test_each_change_is_announced_with_its_details(app, client, alice, pages, on_step, heard):
    secret, _ = pages.enable(on_step)
    pages.new_codes()
    on_step.advance(seconds=30)
    elsewhere = app.test_client()
    AuthActions(elsewhere).login()
    TwoFactorPages(elsewhere).recovery(pages.new_codes()[0])
    pages.disable(code_at(secret, on_step.at))
    names = [(name, details) for name, _, details in heard]
    assert names[0] == (
        "two_factor_enabled",
        {
            "actor": Actor.self(
                "127.0.0.1", names[0][1]["actor"].user_agent, names[0][1]["actor"].device
            ),
            "username": "alice",
            "recovery_codes": 10,
        },
    )
    assert [n for n, _ in names] == [
        "two_factor_enabled",
        "recovery_codes_regenerated",
        "password_passed",
        "recovery_codes_regenerated",
        "recovery_code_used",
        "two_factor_disabled",
    ]
    assert dict(names)["recovery_code_used"]["remaining"] == 9
    assert dict(names)["two_factor_disabled"]["sessions_ended"] == 1
    assert {sender for _, sender, _ in heard} == {alice["_id"]}


@pytest.mark.db
def test_a_password_reset_can_ask_for_the_second_factor(app, alice, enabled, on_step, db):
    """The reset flow's hook: which factors to ask for, and the throttled, audited check."""
    secret, codes = enabled
    on_step.advance(seconds=30)
    with app.test_request_context():
        rules = settings()
        user = users.find_user("alice")
        assert signin.second_factor_methods(user, rules) == ("totp", "recovery_code")
        wrong = signin.check_second_factor(user, "totp", "000000", actor=ACTOR, settings=rules)
        right = signin.check_second_factor(
            user, "totp", code_at(secret, on_step.at), actor=ACTOR, settings=rules
        )
        replay = signin.check_second_factor(
            user, "totp", code_at(secret, on_step.at), actor=ACTOR, settings=rules
        )
        recovery = signin.check_second_factor(
            user, "recovery_code", codes[0], actor=ACTOR, settings=rules
        )
        unknown = signin.check_second_factor(user, "sms", "000000", actor=ACTOR, settings=rules)
        for _ in range(app.config["TWO_FACTOR_MAX_FAILURES"]):
            signin.check_second_factor(user, "totp", "000000", actor=ACTOR, settings=rules)
        locked = signin.check_second_factor(
            user, "recovery_code", codes[1], actor=ACTOR, settings=rules
        )
        bob = AuthActions(app.test_client())
        bob.register("bob")
        assert signin.second_factor_methods(users.find_user("bob"), rules) == ()
    assert (wrong, right, replay, recovery, unknown) == (False, True, False, True, False)
    assert isinstance(locked, signin.Throttled)
    assert db.auth_events.count_documents({"event": "second_step_failed"}) >= 2


@pytest.mark.db
def test_an_administrator_removes_a_lost_factor(app, runner, client, enabled, db, heard):
    result = runner.invoke(args=["users", "reset-two-factor", "ALICE"])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "Removed the two-factor sign-in of alice; their password alone signs in.\n"
    )
    stored = db.users.find_one()
    assert "totp" not in stored and "recovery_codes" not in stored
    event = db.auth_events.find_one({"event": "two_factor_reset"})
    assert event["actor"] == "cli"
    assert [(n, d["actor"].name) for n, _, d in heard] == [("two_factor_reset", "cli")]
    # Her sessions stay, and now say it is off; the password alone signs in.
    assert "Off: your password alone signs you in." in page_text(client.get("/account"))
    assert AuthActions(app.test_client()).login().headers["Location"] == "/user"
    assert "Two-factor sign-in removed by an administrator (command line)" in page_text(
        client.get("/user")
    )


def test_reset_of_an_account_without_it_changes_nothing(runner, alice, heard):
    result = runner.invoke(args=["users", "reset-two-factor", "alice"])
    assert result.exit_code == 0
    assert result.stdout == "alice has no two-factor sign-in; nothing changed.\n"
    assert heard == []


def test_reset_of_nobody_fails_with_one_line(runner):
    result = runner.invoke(args=["users", "reset-two-factor", "nobody"])
    assert result.exit_code == 1
    assert result.output == "Error: no such user: nobody\n"


@pytest.fixture
def strict_app(make_app):
    return make_app(TWO_FACTOR_REQUIRED=True)


def test_when_required_an_account_without_it_sets_it_up_first(strict_app, on_step):
    client = strict_app.test_client()
    auth = AuthActions(client)
    # Registering signs in, and the account's first stop is setting it up.
    assert auth.register().headers["Location"] == "/user"
    response = client.get("/user")
    assert response.headers["Location"] == "/account/two-factor"
    assert messages.TWO_FACTOR_ENROL in page_text(client.get(response.headers["Location"]))
    assert client.get("/account").headers["Location"] == "/account/two-factor"
    # What setting it up takes stays open.
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/two-factor").status_code == 200
    TwoFactorPages(client).enable(on_step)
    assert client.get("/user").status_code == 200
    assert client.get("/account").status_code == 200


def test_when_required_signing_out_stays_possible(strict_app):
    client = strict_app.test_client()
    auth = AuthActions(client)
    auth.register()
    auth.login()
    token = csrf_token(client, "/account/two-factor")
    assert client.post("/auth/logout", data={"csrf_token": token}).headers["Location"] == "/"
    assert client.get("/user").headers["Location"].startswith("/auth/login")


def test_when_required_the_api_says_what_to_do(strict_app):
    from tests.api.conftest import PREFIX

    client = strict_app.test_client()
    add_user(strict_app)
    token = client.get(PREFIX + "/csrf").get_json()["csrf_token"]
    body = {"username": "alice", "password": "violet-harbour-88-tundra"}
    signed = client.post(PREFIX + "/login", json=body, headers={"X-CSRFToken": token})
    assert signed.status_code == 200
    token = signed.get_json()["csrf_token"]
    # Anything that is not about setting it up (or signing out) is closed.
    closed = client.post(PREFIX + "/register", json=body, headers={"X-CSRFToken": token})
    assert closed.status_code == 403
    assert closed.get_json()["error"] == {
        "code": "two_factor_required",
        "message": messages.TWO_FACTOR_ENROL,
    }
    setup = client.post(PREFIX + "/two-factor/totp", headers={"X-CSRFToken": token})
    assert setup.status_code == 200
