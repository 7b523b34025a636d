"""Sign-in as a flow: the pending second step, proven with a factor that exists only here."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from flaskr import messages
from flaskr.identity import signin
from flaskr.identity.audit import Actor
from flaskr.web.context import settings
from tests.support.web import PASSWORD, AuthActions, csrf_token, page_text, signed_in

ACTOR = Actor.self("198.51.100.7", "pytest")


class CodeFactor:
    """A test-only second factor: a fixed code per enrolled username."""

    name = "test_code"

    def __init__(self, codes: dict[str, str]) -> None:
        self.codes = codes
        self.checked: list[str] = []

    def enrolled(self, user: dict) -> bool:
        return user["username"] in self.codes

    def verify(self, user: dict, answer: str, now: datetime) -> bool:
        self.checked.append(answer)
        return answer == self.codes[user["username"]]


@pytest.fixture
def factor(app):
    found = CodeFactor({"alice": "424242"})
    app.extensions["flaskr.factors"].append(found)
    return found


def post_code(client, code: str, method: str = "test_code", **kw):
    token = csrf_token(client, "/auth/two-factor")
    data = {"method": method, "code": code, "csrf_token": token}
    return client.post("/auth/two-factor", data=data, **kw)


@pytest.mark.db
def test_without_a_factor_the_password_signs_in(app, auth, alice, db):
    response = auth.login()
    assert response.headers["Location"] == "/user"
    assert db.pending_sign_ins.count_documents({}) == 0


@pytest.mark.db
def test_a_right_password_leaves_a_pending_step_not_a_session(app, client, auth, alice, factor, db):
    response = auth.login(next="/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/two-factor")
    assert not signed_in(client)
    assert db.sessions.count_documents({}) == 0
    [pending] = db.pending_sign_ins.find()
    assert pending["user_id"] == alice["_id"]
    assert pending["methods"] == ["test_code"]
    # Five minutes, and only a hash of the token is stored.
    assert (pending["expires_at"] - pending["created_at"]).total_seconds() == 300
    assert len(pending["_id"]) == 64

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page_text(page)


@pytest.mark.db
def test_the_right_code_signs_in_once(app, client, auth, alice, factor, db):
    auth.login(next="/account")
    response = post_code(client, "424242", query_string={"next": "/account"})
    assert response.headers["Location"] == "/account"
    assert signed_in(client)
    assert db.sessions.count_documents({"user_id": alice["_id"]}) == 1
    assert db.pending_sign_ins.count_documents({}) == 0
    events = [e["event"] for e in db.auth_events.find().sort("at", 1)]
    assert events[-2:] == ["second_step_passed", "sign_in"]

    # The step is used up: the same browser cannot pass it again.
    again = client.get("/auth/two-factor")
    assert again.headers["Location"].startswith("/auth/login")


@pytest.mark.db
def test_a_wrong_code_keeps_the_step_and_is_audited(app, client, auth, alice, factor, db):
    auth.login()
    response = post_code(client, "000000")
    assert response.status_code == 401
    assert messages.WRONG_CODE in page_text(response)
    assert not signed_in(client)
    assert db.auth_events.find_one({"event": "second_step_failed"})["user_id"] == alice["_id"]
    assert post_code(client, "424242").headers["Location"] == "/user"


@pytest.mark.db
def test_an_unknown_method_is_refused(app, client, auth, alice, factor):
    auth.login()
    assert post_code(client, "424242", method="sms").status_code == 401
    assert factor.checked == []
    assert not signed_in(client)


@pytest.mark.db
def test_the_step_expires_after_five_minutes(app, client, auth, alice, factor, clock):
    auth.login()
    clock.advance(minutes=5, seconds=1)
    response = client.get("/auth/two-factor")
    assert response.headers["Location"].startswith("/auth/login")
    follow = client.get(response.headers["Location"])
    assert messages.SECOND_STEP_EXPIRED in page_text(follow)
    assert not signed_in(client)


@pytest.mark.db
def test_the_step_belongs_to_the_browser_that_gave_the_password(app, client, auth, alice, factor):
    auth.login()
    other = app.test_client()
    response = other.get("/auth/two-factor")
    assert response.headers["Location"].startswith("/auth/login")
    token = csrf_token(other, "/auth/login")
    data = {"method": "test_code", "code": "424242", "csrf_token": token}
    assert other.post("/auth/two-factor", data=data).status_code == 302
    assert not signed_in(other)
    assert factor.checked == []


@pytest.mark.db
def test_failed_steps_are_throttled_apart_from_passwords(app, client, auth, alice, factor, db):
    auth.login()
    for _ in range(app.config["TWO_FACTOR_MAX_FAILURES"]):
        assert post_code(client, "000000").status_code == 401
    locked = post_code(client, "424242")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in page_text(locked)
    # The password counter is another: the owner can still give the password.
    assert AuthActions(app.test_client()).login().status_code == 302


@pytest.mark.db
def test_remember_me_is_carried_through_the_step(app, client, auth, alice, factor, db):
    auth.login(remember=True)
    post_code(client, "424242")
    assert db.sessions.find_one()["remember"] is True
    assert client.get_cookie("remember_token") is not None


@pytest.mark.db
def test_the_api_does_not_sign_in_past_a_pending_step(app, client, alice, factor, db):
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    body = {"username": "alice", "password": PASSWORD}
    response = client.post("/api/v1/login", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json() == {"second_factor": {"methods": ["test_code"]}}
    assert db.sessions.count_documents({}) == 0


@pytest.mark.db
def test_two_finishes_of_one_step_sign_in_once(app, alice, factor, db):
    """Two requests with the same right code at once: only the one that takes the record wins."""
    with app.test_request_context():
        rules = settings()
        started = signin.begin("alice", PASSWORD, remember=False, actor=ACTOR, settings=rules)
    assert isinstance(started, signin.NeedsStep)
    outcomes = []

    def finish():
        with app.test_request_context():
            outcomes.append(
                signin.finish(started.token, "test_code", "424242", actor=ACTOR, settings=rules)
            )

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["Expired", "SignedIn"]
    assert db.sessions.count_documents({}) == 1


@pytest.mark.db
def test_the_core_answers_with_outcomes(app, alice, factor):
    with app.test_request_context():
        rules = settings()
        wrong = signin.begin("alice", "not it", remember=False, actor=ACTOR, settings=rules)
        nobody = signin.begin("nobody", PASSWORD, remember=False, actor=ACTOR, settings=rules)
        step = signin.begin("alice", PASSWORD, remember=False, actor=ACTOR, settings=rules)
        bogus = signin.finish("not-a-token", "test_code", "424242", actor=ACTOR, settings=rules)
        none = signin.finish(None, "test_code", "424242", actor=ACTOR, settings=rules)
    assert isinstance(wrong, signin.Refused)
    assert isinstance(nobody, signin.Refused)
    assert isinstance(step, signin.NeedsStep)
    assert step.methods == ("test_code",)
    assert isinstance(bogus, signin.Expired)
    assert isinstance(none, signin.Expired)


@pytest.mark.db
def test_a_disabled_account_cannot_finish_its_step(app, client, auth, alice, factor, runner):
    auth.login()
    assert runner.invoke(args=["users", "disable", "alice"]).exit_code == 0
    response = post_code(client, "424242")
    assert response.headers["Location"].startswith("/auth/login")
    assert not signed_in(client)
