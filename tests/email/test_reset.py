"""Using a reset link: a GET only shows the form; the POST sets the password under the policy,
ends every session, kills the other links, lifts the lockout, sends a notice and leads to the
sign-in page. Used, expired or revoked links get a clear 400 with a way to ask again."""

from __future__ import annotations

import threading

import pytest

from flaskr import messages
from flaskr.identity import accounts, users
from flaskr.web.context import settings
from tests.identity.test_signin import CodeFactor
from tests.support.email import (
    BROWSER,
    NEW_PASSWORD,
    add_user,
    database,
    queued,
    request_reset_for,
    the_message,
)
from tests.support.web import PASSWORD, csrf_token, page_text, post_login, signed_in_client


@pytest.fixture
def alice(app):
    return add_user(app, "alice", "alice@example.com")


def post_reset(client, path: str, password: str = NEW_PASSWORD, **data):
    # The token from another form: a dead link shows no form.
    form = {"new_password": password, "csrf_token": csrf_token(client, "/auth/forgot"), **data}
    return client.post(path, data=form)


def password_is(app, password: str) -> bool:
    with app.app_context():
        return users.password_matches(users.find_user("alice"), password, 4)


@pytest.mark.db
def test_a_get_shows_the_form_and_changes_nothing(app, alice):
    path = request_reset_for(app, alice)
    client = app.test_client()
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200
        assert 'autocomplete="new-password"' in page.get_data(as_text=True)
    assert database(app).link_tokens.find_one()["used"] is False


@pytest.mark.db
def test_a_reset_sets_the_password_and_sends_the_browser_to_sign_in(app, alice):
    path = request_reset_for(app, alice)
    client = app.test_client()
    response = post_reset(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert str(messages.PASSWORD_RESET_DONE) in page_text(client.get("/auth/login"))
    # Not signed in by the reset: the new password must be used.
    assert client.get("/user").status_code == 302
    assert password_is(app, NEW_PASSWORD) and not password_is(app, PASSWORD)
    assert post_login(client, "alice", NEW_PASSWORD).status_code == 302
    notice = the_message(app, kind="password_reset")
    assert notice["to"] == "alice@example.com"


@pytest.mark.db
def test_a_reset_ends_every_session_and_clears_the_lockout(app, alice):
    phone = signed_in_client(app, remember=True)
    laptop = signed_in_client(app, ip="203.0.113.20")
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(attacker, "alice", "wrong-guess", ip="192.0.2.66")
    assert post_login(app.test_client(), "alice", PASSWORD, ip="192.0.2.67").status_code == 429
    path = request_reset_for(app, alice)
    assert post_reset(app.test_client(), path).status_code == 302
    for device in (phone, laptop):
        assert device.get("/user").status_code == 302
    assert database(app).sessions.count_documents({}) == 0
    assert post_login(app.test_client(), "alice", NEW_PASSWORD).status_code == 302


@pytest.mark.db
def test_a_used_link_gets_a_clear_400_with_a_way_to_ask_again(app, alice):
    path = request_reset_for(app, alice)
    client = app.test_client()
    assert post_reset(client, path).status_code == 302
    for again in (client.get(path), post_reset(client, path, "another-long-phrase-77")):
        assert again.status_code == 400
        assert str(messages.LINK_INVALID) in page_text(again)
        assert 'href="/auth/forgot"' in again.get_data(as_text=True)
    assert password_is(app, NEW_PASSWORD)


@pytest.mark.db
def test_an_expired_link_is_refused(app, alice, clock):
    path = request_reset_for(app, alice)
    clock.advance(minutes=app.config["RESET_MINUTES"])
    assert app.test_client().get(path).status_code == 400
    assert post_reset(app.test_client(), path).status_code == 400
    assert password_is(app, PASSWORD)


@pytest.mark.db
def test_a_newer_request_revokes_the_older_link(app, alice):
    old = request_reset_for(app, alice)
    new = request_reset_for(app, alice)
    assert post_reset(app.test_client(), old).status_code == 400
    assert post_reset(app.test_client(), new).status_code == 302


@pytest.mark.db
def test_a_password_change_revokes_the_link(app, alice):
    path = request_reset_for(app, alice)
    with app.test_request_context():
        accounts.change_password(
            alice, "another-long-phrase-77", actor=BROWSER, settings=settings()
        )
    assert post_reset(app.test_client(), path).status_code == 400
    assert password_is(app, "another-long-phrase-77")


@pytest.mark.db
def test_the_new_password_is_held_to_the_policy_and_the_link_stays_usable(app, alice):
    path = request_reset_for(app, alice)
    client = app.test_client()
    for weak in ("password", "alice-alice-alice", "short"):
        refused = post_reset(client, path, weak)
        assert refused.status_code == 400
        assert 'class="error"' in refused.get_data(as_text=True)
    assert post_reset(client, path).status_code == 302


@pytest.mark.db
def test_an_account_with_a_second_factor_must_pass_it_first(app, alice):
    factor = CodeFactor({"alice": "424242"})
    app.extensions["flaskr.factors"].append(factor)
    path = request_reset_for(app, alice)
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    assert 'name="code"' in page and 'value="test_code"' in page
    assert post_reset(client, path).status_code == 400  # no code
    wrong = post_reset(client, path, code="000000")
    assert wrong.status_code == 401
    assert str(messages.WRONG_CODE) in page_text(wrong)
    assert password_is(app, PASSWORD)
    assert post_reset(client, path, code="424242").status_code == 302
    assert password_is(app, NEW_PASSWORD)


@pytest.mark.db
def test_a_link_of_a_disabled_account_is_dead(app, alice):
    path = request_reset_for(app, alice)
    with app.test_request_context():
        accounts.disable_account(alice, actor=BROWSER, settings=settings())
    assert app.test_client().get(path).status_code == 400


def test_an_unknown_token_is_400_and_the_token_is_not_logged(app, capfd):
    response = app.test_client().get("/auth/reset/not-a-real-token-but-secret")
    assert response.status_code == 400
    assert "not-a-real-token-but-secret" not in capfd.readouterr().err


def test_the_reset_mail_names_the_account_and_the_time_limit(app, alice):
    request_reset_for(app, alice)
    text = the_message(app, kind="reset")["text"]
    assert "alice" in text and "60 minutes" in text
    assert queued(app, kind="reset")[0]["user_id"] == alice["_id"]


# A race means something only on a server: mongomock's find_one_and_update is not atomic
# between threads.
@pytest.mark.realdb
def test_two_clicks_at_once_use_the_link_once(app, alice):
    path = request_reset_for(app, alice)
    clients = [app.test_client() for _ in range(2)]
    forms = [
        {"new_password": f"{word}-meadow-51-lantern", "csrf_token": csrf_token(c, path)}
        for word, c in zip(("quartz", "amber"), clients, strict=True)
    ]
    start, statuses = threading.Barrier(2), []

    def click(client, form):
        start.wait()
        statuses.append(client.post(path, data=form).status_code)

    threads = [
        threading.Thread(target=click, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 400]
    assert len(queued(app, kind="password_reset")) == 1
