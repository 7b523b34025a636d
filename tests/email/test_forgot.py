"""Forgot your password: the same page, status and wording whether or not an account has the
address; a link only to a confirmed address; limits per address and per client with the
same answer; links from PUBLIC_URL, never the Host header."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import accounts
from flaskr.web.context import settings
from tests.support.email import (
    BROWSER,
    PUBLIC_URL,
    add_user,
    database,
    forgot,
    link_path,
    queued,
    the_message,
)
from tests.support.web import csrf_token, page_text


def answer(response) -> tuple[int, str]:
    """What a visitor sees: the status and the page without its (per-session) CSRF token."""
    text = page_text(response)
    return response.status_code, text.replace(csrf_token_in(text), "TOKEN")


def csrf_token_in(text: str) -> str:
    import re

    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    return found.group(1) if found else "\0"


def test_the_login_page_leads_to_it(client):
    assert 'href="/auth/forgot"' in client.get("/auth/login").get_data(as_text=True)
    page = client.get("/auth/forgot")
    assert page.status_code == 200
    assert 'autocomplete="email"' in page.get_data(as_text=True)


@pytest.mark.db
def test_known_and_unknown_addresses_get_the_same_answer(app):
    add_user(app, "alice", "alice@example.com")
    known = forgot(app.test_client(), "alice@example.com")
    unknown = forgot(app.test_client(), "nobody@example.com")
    assert answer(known) == answer(unknown)
    assert known.status_code == 200
    assert messages.RESET_LINK_SENT in page_text(known)
    assert set(known.headers.keys()) == set(unknown.headers.keys())
    # Only the account's address was sent a link.
    message = the_message(app, kind="reset")
    assert message["to"] == "alice@example.com"
    assert message["subject"] == messages.MAIL_RESET_SUBJECT
    assert link_path(message).startswith("/auth/reset/")


@pytest.mark.db
def test_the_address_is_found_whatever_its_case(app):
    add_user(app, "alice", "Alice@Example.com")
    forgot(app.test_client(), "  ALICE@example.COM ")
    assert the_message(app, kind="reset")["to"] == "Alice@Example.com"


@pytest.mark.db
def test_the_lookup_happens_only_after_the_answer_is_sent(app):
    add_user(app, "alice", "alice@example.com")
    client = app.test_client()
    data = {"email": "alice@example.com", "csrf_token": csrf_token(client, "/auth/forgot")}
    response = client.post("/auth/forgot", data=data)  # not closed yet: not yet "sent"
    assert response.status_code == 200
    assert queued(app, kind="reset") == []
    response.close()
    assert len(queued(app, kind="reset")) == 1


@pytest.mark.db
def test_an_unconfirmed_address_or_a_disabled_account_gets_nothing(app):
    add_user(app, "alice", "alice@example.com", confirmed=False)
    bob = add_user(app, "bob", "bob@example.com")
    with app.test_request_context():
        accounts.disable_account(bob, actor=BROWSER, settings=settings())
    for address in ("alice@example.com", "bob@example.com"):
        assert forgot(app.test_client(), address).status_code == 200
    assert queued(app) == [] or all(m["kind"] == "confirm" for m in queued(app))
    assert database(app).link_tokens.count_documents({"purpose": "reset_password"}) == 0


@pytest.mark.db
def test_a_newer_request_revokes_the_older_link(app):
    add_user(app, "alice", "alice@example.com")
    forgot(app.test_client(), "alice@example.com")
    forgot(app.test_client(), "alice@example.com")
    first, second = (link_path(m) for m in queued(app, kind="reset"))
    client = app.test_client()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200


def test_a_malformed_address_is_refused_and_nothing_is_sent(app):
    response = forgot(app.test_client(), "not-an-address")
    assert response.status_code == 400
    assert messages.EMAIL_INVALID in page_text(response)
    assert queued(app) == []


@pytest.mark.db
def test_past_the_limit_per_address_the_answer_is_the_same_but_nothing_is_sent(make_app):
    app = make_app(FORGOT_RATE_LIMIT="2 per hour")
    add_user(app, "alice", "alice@example.com")
    answers = [
        answer(forgot(app.test_client(), "alice@example.com", ip=f"198.51.100.{i}"))
        for i in range(4)
    ]
    assert len(set(answers)) == 1
    assert len(queued(app, kind="reset")) == 2
    # Another address is counted apart.
    add_user(app, "bob", "bob@example.com")
    forgot(app.test_client(), "bob@example.com", ip="198.51.100.9")
    assert len(queued(app, kind="reset")) == 3


@pytest.mark.db
def test_past_the_limit_per_client_the_answer_is_the_same_but_nothing_is_sent(make_app):
    app = make_app(FORGOT_RATE_LIMIT_PER_IP="2 per hour")
    add_user(app, "alice", "alice@example.com")
    client = app.test_client()
    first = forgot(client, "someone@example.com")
    forgot(client, "nobody@example.com")
    limited = forgot(client, "alice@example.com")
    assert answer(limited) == answer(first)
    assert "Retry-After" not in limited.headers
    assert not any(name.lower().startswith("x-ratelimit") for name, _ in limited.headers)
    assert queued(app, kind="reset") == []
    # Another client may still ask.
    forgot(app.test_client(), "alice@example.com", ip="203.0.113.50")
    assert len(queued(app, kind="reset")) == 1


@pytest.mark.db
def test_the_host_header_never_reaches_a_link(make_app):
    # CSRF off: the test client keeps its session cookie for its own host only.
    app = make_app(WTF_CSRF_ENABLED=False)
    add_user(app, "alice", "alice@example.com")
    app.test_client().post(
        "/auth/forgot",
        data={"email": "alice@example.com"},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        buffered=True,
    )
    message = the_message(app, kind="reset")
    assert "evil.example" not in message["text"] + message["html"]
    assert PUBLIC_URL + "/auth/reset/" in message["text"]


def test_a_get_changes_nothing(app):
    add_user(app, "alice", "alice@example.com")
    app.test_client().get("/auth/forgot?email=alice@example.com")
    assert queued(app) == []


def test_work_that_fails_after_the_answer_is_logged_not_raised(app, monkeypatch, caplog):
    from flaskr.identity import recovery

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(recovery, "request_reset", broken)
    response = forgot(app.test_client(), "alice@example.com")
    assert response.status_code == 200
    assert messages.RESET_LINK_SENT in page_text(response)
    [record] = [r for r in caplog.records if r.name == "flaskr.web.recovery"]
    assert record.getMessage() == "work after the response failed"
    assert "database went away" in record.exc_text
