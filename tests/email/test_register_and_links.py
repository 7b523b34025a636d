"""Registration takes an optional address (required with EMAIL_REQUIRED) and never tells
whether another account has it; links and the API docs come from PUBLIC_URL, never Host."""

from __future__ import annotations

import pytest

from flaskr import messages
from tests.support.email import PUBLIC_URL, add_user, database, queued, the_message
from tests.support.web import PASSWORD, csrf_token, page_text


def register(client, username="alice", email=""):
    data = {
        "username": username,
        "password": PASSWORD,
        "email": email,
        "csrf_token": csrf_token(client, "/auth/register"),
    }
    return client.post("/auth/register", data=data)


def test_the_form_offers_an_optional_address(client):
    page = client.get("/auth/register").get_data(as_text=True)
    field = page[page.index('id="email"') - 200 : page.index('id="email"') + 200]
    assert 'type="email"' in field and "required" not in field
    assert "Optional." in page


@pytest.mark.db
def test_without_an_address_the_account_is_made_and_nothing_is_sent(app, client):
    assert register(client).status_code == 302
    assert queued(app) == []
    assert "pending_email" not in database(app).users.find_one()


@pytest.mark.db
def test_email_required_makes_it_required(make_app):
    app = make_app(EMAIL_REQUIRED=True)
    client = app.test_client()
    page = client.get("/auth/register").get_data(as_text=True)
    assert "Optional." not in page
    refused = register(client)
    assert refused.status_code == 400
    assert messages.EMAIL_REQUIRED in page_text(refused)
    assert register(client, email="alice@example.com").status_code == 302


@pytest.mark.db
def test_an_address_another_account_has_gets_the_same_answer(app):
    add_user(app, "bob", "bob@example.com")
    taken = register(app.test_client(), "alice", "BOB@example.com")
    free = register(app.test_client(), "carol", "carol@example.com")
    assert (taken.status_code, taken.headers["Location"]) == (
        free.status_code,
        free.headers["Location"],
    )
    assert the_message(app, kind="email_claimed")["to"] == "bob@example.com"
    assert [m["to"] for m in queued(app, kind="confirm")] == ["carol@example.com"]


def test_a_malformed_address_is_refused_with_the_form(app, client):
    refused = register(client, email="alice@@example.com")
    assert refused.status_code == 400
    assert messages.EMAIL_INVALID in page_text(refused)
    assert database(app).users.count_documents({}) == 0


def test_the_api_docs_use_public_url_not_the_host_header(app):
    page = app.test_client().get("/api/v1/docs", headers={"Host": "evil.example"})
    text = page.get_data(as_text=True)
    assert f"{PUBLIC_URL}/api/v1/csrf" in text
    assert "evil.example" not in text
