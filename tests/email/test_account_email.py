"""/account/email: add, change or remove the address (with the current password), and send
the link again; an address another account has gets the same answer, its owner a notice."""

from __future__ import annotations

import re

import pytest

from flaskr import messages
from flaskr.identity import users
from tests.support.email import add_user, database, link_path, queued, the_message
from tests.support.web import PASSWORD, csrf_token, page_text, signed_in_client


def signed_in(app, username="alice"):
    return signed_in_client(app, username)


def change_email(client, email: str, password: str = PASSWORD):
    data = {
        "email": email,
        "current_password": password,
        "csrf_token": csrf_token(client, "/account/email"),
    }
    return client.post("/account/email", data=data)


def resend(client):
    token = csrf_token(client, "/account/email")
    return client.post("/account/email/resend", data={"csrf_token": token})


def email_of(app, username="alice"):
    with app.app_context():
        return users.email_of(users.find_user(username))


def test_signed_out_it_asks_to_sign_in(client):
    assert client.get("/account/email").headers["Location"].startswith("/auth/login")


@pytest.mark.db
def test_the_account_page_shows_the_address_and_leads_here(app):
    add_user(app, "alice", "alice@example.com")
    client = signed_in(app)
    page = client.get("/account").get_data(as_text=True)
    assert "alice@example.com" in page and 'href="/account/email"' in page
    assert "(confirmed)" in page_text(client.get("/account/email"))


@pytest.mark.db
def test_adding_an_address_sends_a_link_and_waits_for_it(app):
    add_user(app, "alice", None)
    client = signed_in(app)
    response = change_email(client, "alice@example.com")
    assert response.headers["Location"] == "/account/email"
    page = page_text(client.get("/account/email"))
    assert messages.confirmation_sent("alice@example.com") in page
    assert "Waiting for confirmation: <strong>alice@example.com</strong>" in page
    assert the_message(app, kind="confirm")["to"] == "alice@example.com"
    assert email_of(app) == ("alice@example.com", False)


@pytest.mark.db
def test_a_wrong_password_changes_nothing(app):
    add_user(app, "alice", "alice@example.com")
    client = signed_in(app)
    response = change_email(client, "new@example.com", "not-my-password")
    assert response.status_code == 400
    assert messages.WRONG_CURRENT_PASSWORD in page_text(response)
    assert queued(app) == []
    assert email_of(app) == ("alice@example.com", True)


@pytest.mark.db
def test_an_address_of_another_account_gets_the_same_answer_and_its_owner_a_notice(app):
    add_user(app, "bob", "bob@example.com")
    add_user(app, "alice", None)
    add_user(app, "carol", None)
    taken = signed_in(app, "alice")
    free = signed_in(app, "carol")
    answers = []
    for client, name, address in (
        (taken, "alice", "BOB@example.com"),
        (free, "carol", "carol@example.com"),
    ):
        response = change_email(client, address)
        page = page_text(client.get("/account/email"))
        page = re.sub(r'value="[^"]+"', "", page).replace(address, "ADDRESS").replace(name, "NAME")
        answers.append((response.status_code, response.headers["Location"], page))
    assert answers[0] == answers[1]
    # bob's owner was told; no link went to bob's address.
    notice = the_message(app, kind="email_claimed")
    assert notice["to"] == "bob@example.com"
    assert queued(app, kind="confirm", to="BOB@example.com") == []
    assert email_of(app, "bob") == ("bob@example.com", True)


@pytest.mark.db
def test_sending_the_link_again_kills_the_old_one(app):
    add_user(app, "alice", "alice@example.com", confirmed=False)
    client = signed_in(app)
    assert resend(client).status_code == 302
    assert messages.confirmation_sent("alice@example.com") in page_text(client.get("/account"))
    [first] = queued(app, kind="confirm")
    assert resend(client).status_code == 302
    second = queued(app, kind="confirm")[-1]
    visitor = app.test_client()
    assert visitor.get(link_path(first)).status_code == 400
    assert visitor.get(link_path(second)).status_code == 200


@pytest.mark.db
def test_nothing_to_send_again(app):
    add_user(app, "alice", "alice@example.com")
    client = signed_in(app)
    resend(client)
    assert messages.NOTHING_TO_CONFIRM in page_text(client.get("/account/email"))
    assert queued(app) == []


@pytest.mark.db
def test_removing_the_address_notifies_it_and_kills_its_links(app):
    add_user(app, "alice", "alice@example.com")
    client = signed_in(app)
    assert change_email(client, "").status_code == 302
    assert messages.EMAIL_REMOVED in page_text(client.get("/account/email"))
    assert email_of(app) == (None, False)
    assert the_message(app, kind="email_removed")["to"] == "alice@example.com"


@pytest.mark.db
def test_with_email_required_the_address_cannot_be_removed(make_app):
    app = make_app(EMAIL_REQUIRED=True)
    add_user(app, "alice", "alice@example.com")
    response = change_email(signed_in(app), "")
    assert response.status_code == 400
    assert messages.EMAIL_REQUIRED in page_text(response)
    assert email_of(app) == ("alice@example.com", True)


@pytest.mark.db
def test_confirmation_mails_per_account_are_limited(make_app):
    app = make_app(CONFIRM_RATE_LIMIT="2 per hour")
    add_user(app, "alice", None)
    client = signed_in(app)
    assert [change_email(client, f"a{i}@example.com").status_code for i in range(3)] == [
        302,
        302,
        429,
    ]
    assert len(queued(app, kind="confirm")) == 2
    assert database(app).users.find_one({"username": "alice"})["pending_email"] == "a1@example.com"


@pytest.mark.db
def test_a_malformed_address_is_refused(app):
    add_user(app, "alice", None)
    response = change_email(signed_in(app), "alice@")
    assert response.status_code == 400
    assert messages.EMAIL_INVALID in page_text(response)
