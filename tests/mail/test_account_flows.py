"""The e-mail features end to end: each flow's message reaches a real SMTP server (aiosmtpd on
loopback) through `flask mail send`, and its link, followed, does what it says."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import schemathesis

from flaskr import messages
from flaskr.api import openapi
from flaskr.identity.policy import Policy
from tests.api.conftest import ApiClient
from tests.support.email import NEW_PASSWORD, PUBLIC_URL, add_user, forgot
from tests.support.web import IPHONE, PASSWORD, csrf_token, page_text, post_login, signed_in_client

LINK = re.compile(re.escape(PUBLIC_URL) + r"/auth/(?:reset|confirm)/[\w-]+")


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(**smtp_server.config(PUBLIC_URL=PUBLIC_URL, MAIL_FROM="flaskr <n@example.com>"))


def drain(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    return result.stdout


def arrived(smtp_server, to: str, subject: str):
    """The one message to `to` with `subject` the server accepted."""
    found = [m for m in smtp_server.messages if m["To"] == to and m["Subject"] == subject]
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in smtp_server.messages]
    return found[0]


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def link_in(mail) -> str:
    """The path of the message's link; its HTML part carries the same link."""
    [link] = LINK.findall(text_of(mail))
    assert link in mail.get_body(("html",)).get_content()
    return urlsplit(link).path


def post_form(client, path: str, **data):
    data["csrf_token"] = csrf_token(client, "/auth/forgot")
    return client.post(path, data=data)


@pytest.mark.db
def test_forgot_then_reset_then_sign_in(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    known = forgot(app.test_client(), "alice@example.com")
    unknown = forgot(app.test_client(), "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert drain(app) == "Sent 1, deferred 0, failed 0.\n"
    mail = arrived(smtp_server, "alice@example.com", messages.MAIL_RESET_SUBJECT)
    path = link_in(mail)
    browser = app.test_client()
    assert browser.get(path).status_code == 200
    reset = post_form(browser, path, new_password=NEW_PASSWORD)
    assert reset.headers["Location"] == "/auth/login"
    assert post_login(browser, "alice", NEW_PASSWORD).status_code == 302
    assert browser.get("/user").status_code == 200
    # The reset's notice, and nothing for the unknown address.
    drain(app)
    notice = arrived(smtp_server, "alice@example.com", messages.NOTICES["password_reset"][0])
    assert f"{PUBLIC_URL}/auth/forgot" in text_of(notice)
    assert all(m["To"] == "alice@example.com" for m in smtp_server.messages)


@pytest.mark.db
def test_a_reset_requested_while_the_relay_is_down_arrives_once_it_is_back(app, smtp_server, clock):
    add_user(app, "alice", "alice@example.com")
    smtp_server.stop()
    assert forgot(app.test_client(), "alice@example.com").status_code == 200
    assert drain(app) == "Sent 0, deferred 1, failed 0.\n"
    smtp_server.start()
    clock.advance(minutes=5)
    assert drain(app) == "Sent 1, deferred 0, failed 0.\n"
    path = link_in(arrived(smtp_server, "alice@example.com", messages.MAIL_RESET_SUBJECT))
    assert post_form(app.test_client(), path, new_password=NEW_PASSWORD).status_code == 302


@pytest.mark.db
def test_register_confirm_and_sign_in_with_the_address(app, smtp_server):
    browser = app.test_client()
    data = {
        "username": "alice",
        "password": PASSWORD,
        "email": "Alice@Example.com",
        "csrf_token": csrf_token(browser, "/auth/register"),
    }
    assert browser.post("/auth/register", data=data).status_code == 302
    drain(app)
    mail = arrived(smtp_server, "Alice@Example.com", messages.MAIL_CONFIRM_SUBJECT)
    path = link_in(mail)
    # Before confirming, the address signs no one in.
    assert post_login(app.test_client(), "alice@example.com", PASSWORD).status_code == 401
    assert post_form(browser, path).status_code == 302
    assert post_login(app.test_client(), "alice@example.com", PASSWORD).status_code == 302


@pytest.mark.db
def test_changing_the_address_confirms_the_new_and_tells_the_old(app, smtp_server):
    add_user(app, "alice", "old@example.com")
    client = signed_in_client(app)
    data = {
        "email": "new@example.com",
        "current_password": PASSWORD,
        "csrf_token": csrf_token(client, "/account/email"),
    }
    assert client.post("/account/email", data=data).status_code == 302
    drain(app)
    path = link_in(arrived(smtp_server, "new@example.com", messages.MAIL_CONFIRM_SUBJECT))
    assert post_form(client, path).headers["Location"] == "/account/email"
    drain(app)
    notice = arrived(smtp_server, "old@example.com", messages.NOTICES["email_changed"][0])
    assert "new@example.com" not in text_of(notice)
    assert "(confirmed)" in page_text(client.get("/account/email"))


@pytest.mark.db
def test_a_sign_in_from_a_new_device_is_told_with_when_where_and_what(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    signed_in_client(app)
    signed_in_client(app, agent=IPHONE, ip="203.0.113.20")
    drain(app)
    text = text_of(arrived(smtp_server, "alice@example.com", messages.NOTICES["new_device"][0]))
    for part in ("203.0.113.20", "Safari on iPhone", " UTC", f"{PUBLIC_URL}/auth/forgot"):
        assert part in text


@pytest.mark.db
def test_a_lockout_is_told_once(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        post_login(client, "alice", "wrong-guess", ip="192.0.2.66")
    drain(app)
    arrived(smtp_server, "alice@example.com", messages.NOTICES["locked"][0])


@pytest.mark.db
def test_the_api_forgot_and_reset(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    schema = schemathesis.openapi.from_dict(openapi.spec(Policy.from_config(app.config)))
    api = ApiClient(app.test_client(), schema)
    response = api.post("/password/forgot", {"email": "alice@example.com"}, buffered=True)
    assert response.status_code == 202
    drain(app)
    token = link_in(arrived(smtp_server, "alice@example.com", messages.MAIL_RESET_SUBJECT))
    token = token.rsplit("/", 1)[1]
    body = {"token": token, "new_password": NEW_PASSWORD}
    assert api.post("/password/reset", body).status_code == 204
    assert api.login("alice@example.com", NEW_PASSWORD).status_code == 200


@pytest.mark.db
def test_an_administrator_sends_a_reset(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    result = app.test_cli_runner().invoke(args=["users", "send-reset", "alice"])
    assert result.exit_code == 0, result.output
    drain(app)
    path = link_in(arrived(smtp_server, "alice@example.com", messages.MAIL_RESET_SUBJECT))
    assert post_form(app.test_client(), path, new_password=NEW_PASSWORD).status_code == 302
