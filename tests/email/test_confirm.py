"""Confirming an address: a GET shows a button, the POST confirms once; the address then
counts (sign-in, resets) and the address it replaces gets a notice."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import users
from tests.support.email import add_user, database, link_path, queued, the_message
from tests.support.web import PASSWORD, csrf_token, page_text


def registered(app, client, email="alice@example.com", username="alice"):
    data = {
        "username": username,
        "password": PASSWORD,
        "email": email,
        "csrf_token": csrf_token(client, "/auth/register"),
    }
    assert client.post("/auth/register", data=data).status_code == 302
    return link_path(queued(app, kind="confirm", to=email.strip())[-1])


def confirm(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client, "/auth/forgot")})


def stored(app, username="alice"):
    with app.app_context():
        return users.find_user(username)


@pytest.mark.db
def test_registration_with_an_address_sends_a_link_to_it(app, client):
    path = registered(app, client, " Alice@Example.com")
    message = the_message(app, kind="confirm")
    assert message["to"] == "Alice@Example.com"
    assert message["subject"] == messages.MAIL_CONFIRM_SUBJECT
    assert "alice" in message["text"] and "24 hours" in message["text"]
    assert path.startswith("/auth/confirm/")
    assert users.email_of(stored(app)) == ("Alice@Example.com", False)


@pytest.mark.db
def test_a_get_shows_a_button_and_changes_nothing(app, client):
    path = registered(app, client)
    for _ in range(2):
        page = app.test_client().get(path)
        assert page.status_code == 200
        assert "alice@example.com" in page_text(page)
        assert "<form" in page.get_data(as_text=True)
    assert users.email_of(stored(app)) == ("alice@example.com", False)


@pytest.mark.db
def test_the_post_confirms_once(app, client):
    path = registered(app, client)
    visitor = app.test_client()
    response = confirm(visitor, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert messages.EMAIL_CONFIRMED in page_text(visitor.get("/auth/login"))
    assert users.email_of(stored(app)) == ("alice@example.com", True)
    again = confirm(app.test_client(), path)
    assert again.status_code == 400
    assert messages.LINK_INVALID in page_text(again)
    assert 'href="/account/email"' in again.get_data(as_text=True)


@pytest.mark.db
def test_an_expired_link_is_refused(app, client, clock):
    path = registered(app, client)
    clock.advance(hours=24)
    assert app.test_client().get(path).status_code == 400
    assert confirm(app.test_client(), path).status_code == 400
    assert users.email_of(stored(app)) == ("alice@example.com", False)


@pytest.mark.db
def test_confirmed_by_someone_else_first_the_link_says_so(app, client):
    path = registered(app, client, "shared@example.com")
    add_user(app, "bob", "shared@example.com")  # confirmed meanwhile by another account
    response = confirm(app.test_client(), path)
    assert response.status_code == 409
    assert messages.EMAIL_TAKEN in page_text(response)
    assert users.email_of(stored(app)) == ("shared@example.com", False)


@pytest.mark.db
def test_a_confirmed_change_sends_the_old_address_a_notice(app):
    add_user(app, "alice", "old@example.com")
    from tests.email.test_account_email import change_email, signed_in

    client = signed_in(app)
    assert change_email(client, "new@example.com").status_code == 302
    assert (
        confirm(app.test_client(), link_path(the_message(app, kind="confirm"))).status_code == 302
    )
    notice = the_message(app, kind="email_changed")
    assert notice["to"] == "old@example.com"
    assert "new@example.com" not in notice["text"]
    assert users.email_of(stored(app)) == ("new@example.com", True)


def test_an_unknown_token_is_400(app):
    assert app.test_client().get("/auth/confirm/nope").status_code == 400
    assert database(app).users.count_documents({}) == 0
