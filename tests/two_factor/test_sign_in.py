"""Signing in with the authenticator app or a recovery code after the password."""

from __future__ import annotations

import pytest

from flaskr import messages
from tests.support.web import AuthActions, copy_cookies, page_text

from .helpers import TwoFactorPages, code_at


@pytest.fixture
def visitor(app, enabled, on_step):
    """Another browser, past alice's password, two time steps after two-factor went on (so
    the step before this one is unused: the one that turned it on is)."""
    on_step.advance(seconds=60)
    client = app.test_client()
    response = AuthActions(client).login(next="/account")
    assert response.headers["Location"] == "/auth/two-factor?next=/account"
    return client


def signed_in(client) -> bool:
    return client.get("/user").status_code == 200


def events(db) -> list[str]:
    return [e["event"] for e in db.auth_events.find().sort([("at", 1), ("_id", 1)])]


@pytest.mark.db
def test_the_password_alone_signs_nothing_in(visitor, db, enabled):
    assert not signed_in(visitor)
    assert db.sessions.count_documents({}) == 1  # alice's own, from before
    [pending] = db.pending_sign_ins.find()
    assert pending["methods"] == ["totp", "recovery_code"]
    page = visitor.get("/auth/two-factor")
    assert 'autocomplete="one-time-code"' in page_text(page)
    assert 'href="/auth/two-factor/recovery' in page_text(page)
    assert events(db)[-1] == "password_passed"


@pytest.mark.db
def test_the_current_code_signs_in(visitor, enabled, on_step, db):
    secret, _ = enabled
    response = TwoFactorPages(visitor).code(
        code_at(secret, on_step.at), query_string={"next": "/account"}
    )
    assert response.headers["Location"] == "/account"
    assert signed_in(visitor)
    assert events(db)[-3:] == ["password_passed", "second_step_passed", "sign_in"]
    activity = page_text(visitor.get("/user"))
    assert messages.EVENTS["second_step_passed"] in activity
    assert messages.EVENTS["password_passed"] in activity


@pytest.mark.parametrize("steps", [-1, 1])
def test_one_step_either_side_is_accepted(visitor, enabled, on_step, steps):
    secret, _ = enabled
    assert TwoFactorPages(visitor).code(code_at(secret, on_step.at, steps)).status_code == 302
    assert signed_in(visitor)


@pytest.mark.parametrize("steps", [-2, 2])
def test_two_steps_away_is_refused(visitor, enabled, on_step, steps):
    secret, _ = enabled
    response = TwoFactorPages(visitor).code(code_at(secret, on_step.at, steps))
    assert response.status_code == 401
    assert not signed_in(visitor)


def test_the_window_edges_move_with_the_clock(visitor, enabled, on_step):
    """At the last second of a step the next step's code is in; at the first, the one before."""
    secret, _ = enabled
    pages = TwoFactorPages(visitor)
    previous = code_at(secret, on_step.at, -1)
    on_step.advance(seconds=29)
    assert pages.code(code_at(secret, on_step.at, 2)).status_code == 401
    assert pages.code(previous).status_code == 302


def test_a_wrong_code_says_so(visitor, enabled, on_step, db):
    secret, _ = enabled
    response = TwoFactorPages(visitor).code(code_at(secret, on_step.at, 5))
    assert response.status_code == 401
    assert "That code is not right. Check your authenticator app and try again." in page_text(
        response
    )
    assert events(db)[-1] == "second_step_failed"
    assert messages.EVENTS["second_step_failed"] == "Failed second sign-in step (wrong code)"


@pytest.mark.db
def test_a_code_is_accepted_once(app, visitor, enabled, on_step):
    secret, _ = enabled
    code = code_at(secret, on_step.at)
    assert TwoFactorPages(visitor).code(code).status_code == 302
    # Someone who saw the code types it in another browser, within the same 30 seconds.
    thief = app.test_client()
    AuthActions(thief).login()
    assert TwoFactorPages(thief).code(code).status_code == 401
    # An older code than the one used is refused too.
    assert TwoFactorPages(thief).code(code_at(secret, on_step.at, -1)).status_code == 401
    assert not signed_in(thief)
    on_step.advance(seconds=30)
    assert TwoFactorPages(thief).code(code_at(secret, on_step.at)).status_code == 302


def test_the_code_that_turned_it_on_does_not_sign_in(app, enabled, on_step):
    secret, _ = enabled
    client = app.test_client()
    AuthActions(client).login()
    assert TwoFactorPages(client).code(code_at(secret, on_step.at)).status_code == 401


def test_another_accounts_code_is_refused(app, visitor, enabled, on_step):
    bob = app.test_client()
    bobs = AuthActions(bob)
    bobs.register("bob")
    bobs.login("bob")
    bob_secret, _ = TwoFactorPages(bob).enable(on_step)
    response = TwoFactorPages(visitor).code(code_at(bob_secret, on_step.at))
    assert response.status_code == 401
    assert not signed_in(visitor)


@pytest.mark.db
def test_a_recovery_code_signs_in_once_and_says_how_many_remain(app, visitor, enabled, db):
    _, codes = enabled
    page = visitor.get("/auth/two-factor/recovery")
    assert page.status_code == 200
    response = TwoFactorPages(visitor).recovery(codes[3].upper(), query_string={"next": "/account"})
    assert response.headers["Location"] == "/account"
    assert messages.signed_in_with_recovery_code(9) in page_text(visitor.get("/account"))
    assert signed_in(visitor)
    assert len(db.users.find_one()["recovery_codes"]) == 9
    assert events(db)[-3:] == ["password_passed", "recovery_code_used", "sign_in"]
    assert messages.EVENTS["recovery_code_used"] in page_text(visitor.get("/user"))
    # Used up.
    again = app.test_client()
    AuthActions(again).login()
    used = TwoFactorPages(again).recovery(codes[3])
    assert used.status_code == 401
    assert messages.WRONG_RECOVERY_CODE in page_text(used)
    assert TwoFactorPages(again).recovery(codes[4].replace("-", " ")).status_code == 302


def test_with_two_or_fewer_codes_left_the_user_page_says_so(app, client, enabled, on_step):
    _, codes = enabled
    assert messages.few_recovery_codes(2) not in page_text(client.get("/user"))
    for code in codes[:8]:
        other = app.test_client()
        AuthActions(other).login()
        assert TwoFactorPages(other).recovery(code).status_code == 302
    # Every session of the account shows it, this one (which used no code) included.
    user_page = page_text(client.get("/user"))
    assert messages.few_recovery_codes(2) in user_page
    assert "Make new ones now" in messages.signed_in_with_recovery_code(2)
    TwoFactorPages(client).new_codes()
    assert messages.few_recovery_codes(10) not in page_text(client.get("/user"))
    assert "recovery code" not in page_text(client.get("/user")).split("Recent activity")[0]


def test_old_recovery_codes_stop_working_when_replaced(app, client, enabled, on_step):
    _, old = enabled
    new = TwoFactorPages(client).new_codes()
    other = app.test_client()
    AuthActions(other).login()
    assert TwoFactorPages(other).recovery(old[0]).status_code == 401
    assert TwoFactorPages(other).recovery(new[0]).status_code == 302


@pytest.mark.db
def test_the_pending_sign_in_expires_after_five_minutes(visitor, enabled, on_step):
    secret, _ = enabled
    on_step.advance(minutes=5, seconds=1)
    response = TwoFactorPages(visitor).code(code_at(secret, on_step.at))
    assert response.headers["Location"].startswith("/auth/login")
    assert messages.SECOND_STEP_EXPIRED in page_text(visitor.get(response.headers["Location"]))
    assert not signed_in(visitor)


@pytest.mark.db
def test_the_pending_sign_in_is_used_once(app, visitor, enabled, on_step):
    secret, _ = enabled
    # A copy of this browser's cookie, taken while the step was pending.
    copy = app.test_client()
    copy_cookies(visitor, copy)
    assert TwoFactorPages(visitor).code(code_at(secret, on_step.at)).status_code == 302
    on_step.advance(seconds=30)
    response = TwoFactorPages(copy).code(code_at(secret, on_step.at))
    assert response.headers["Location"].startswith("/auth/login")
    assert not signed_in(copy)


def test_the_pending_sign_in_stays_in_its_browser(app, visitor, enabled, on_step):
    secret, _ = enabled
    elsewhere = app.test_client()
    assert elsewhere.get("/auth/two-factor").headers["Location"].startswith("/auth/login")
    assert elsewhere.get("/auth/two-factor/recovery").headers["Location"].startswith("/auth/login")
    pages = TwoFactorPages(elsewhere)
    response = pages.post(
        "/auth/two-factor",
        {"method": "totp", "code": code_at(secret, on_step.at)},
        form_page="/auth/login",
    )
    assert response.headers["Location"].startswith("/auth/login")
    assert not signed_in(elsewhere)


@pytest.mark.db
def test_wrong_codes_are_throttled_per_account(make_app, on_step):
    app = make_app(TWO_FACTOR_MAX_FAILURES=3)
    owner = app.test_client()
    AuthActions(owner).register()
    AuthActions(owner).login()
    secret, codes = TwoFactorPages(owner).enable(on_step)
    on_step.advance(seconds=30)
    client = app.test_client()
    AuthActions(client).login()
    pages = TwoFactorPages(client)
    for _ in range(3):
        assert pages.code("000000").status_code == 401
    locked = pages.code(code_at(secret, on_step.at))
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in page_text(locked)
    # Counted per account, whatever the browser or the factor.
    other = app.test_client()
    assert AuthActions(other).login().headers["Location"].startswith("/auth/two-factor")
    assert TwoFactorPages(other).recovery(codes[0]).status_code == 429
    # The lockout ends with its window; the right code passes again.
    on_step.advance(seconds=app.config["LOGIN_LOCKOUT_SECONDS"])
    again = app.test_client()
    AuthActions(again).login()
    assert TwoFactorPages(again).code(code_at(secret, on_step.at)).headers["Location"] == "/user"


def test_no_pending_step_means_no_code_page(client):
    assert client.get("/auth/two-factor").headers["Location"].startswith("/auth/login")
