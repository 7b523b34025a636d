"""Security notices: a real message to the confirmed address for each security event, saying
what happened, when, from which address and device, and what to do (with the reset link)."""

from __future__ import annotations

import hashlib

import pytest
from itsdangerous import URLSafeSerializer

from flaskr import messages
from flaskr.identity import accounts
from flaskr.identity.audit import CLI
from flaskr.web import devices
from flaskr.web.context import settings
from tests.support.email import NEW_PASSWORD, PUBLIC_URL, add_user, database, queued, the_message
from tests.support.web import FIREFOX, IPHONE, PASSWORD, csrf_token, post_login, signed_in_client


def device_of(client) -> str | None:
    cookie = client.get_cookie(devices.COOKIE)
    return cookie.value if cookie else None


@pytest.mark.db
def test_the_first_device_is_not_news_a_second_one_is(app):
    add_user(app, "alice", "alice@example.com")
    laptop = signed_in_client(app, agent=FIREFOX, ip="198.51.100.7")
    assert queued(app, kind="new_device") == []
    signed_in_client(app, agent=IPHONE, ip="203.0.113.20")
    notice = the_message(app, kind="new_device")
    assert notice["to"] == "alice@example.com"
    assert notice["subject"] == messages.NOTICES["new_device"][0]
    text = notice["text"]
    assert "alice" in text and "203.0.113.20" in text and "Safari on iPhone" in text
    assert " UTC" in text  # when
    assert f"{PUBLIC_URL}/auth/forgot" in text and messages.NOTICE_NOT_YOU in text
    assert f'href="{PUBLIC_URL}/auth/forgot"' in notice["html"]
    # Known devices again: nothing new.
    laptop.post("/auth/logout", data={"csrf_token": csrf_token(laptop, "/")})
    assert post_login(laptop, "alice", PASSWORD).status_code == 302
    assert len(queued(app, kind="new_device")) == 1


@pytest.mark.db
def test_the_device_cookie_is_long_lived_http_only_and_signed(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    add_user(app, "alice", "alice@example.com")
    client = app.test_client()
    response = post_login(client, "alice", PASSWORD)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("flaskr_device=")
    )
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
    assert f"Max-Age={400 * 86400}" in header
    device = URLSafeSerializer("test-only-secret-key", salt="flaskr.device-cookie").loads(
        device_of(client)
    )
    # The account keeps only the id's hash.
    [known] = database(app).users.find_one({"username": "alice"})["known_devices"]
    assert known == hashlib.sha256(device.encode()).hexdigest()


@pytest.mark.db
def test_a_forged_device_cookie_counts_as_a_new_device(app):
    add_user(app, "alice", "alice@example.com")
    signed_in_client(app)
    forger = app.test_client()
    forger.set_cookie(devices.COOKIE, URLSafeSerializer("guessed", salt="x").dumps("a" * 43))
    assert post_login(forger, "alice", PASSWORD).status_code == 302
    assert len(queued(app, kind="new_device")) == 1


@pytest.mark.db
def test_new_device_notices_can_be_turned_off(make_app):
    app = make_app(NOTIFY_NEW_DEVICE=False)
    add_user(app, "alice", "alice@example.com")
    signed_in_client(app)
    signed_in_client(app, agent=IPHONE)
    assert queued(app) == []


@pytest.mark.db
def test_no_confirmed_address_no_notice(app):
    add_user(app, "alice", "alice@example.com", confirmed=False)
    signed_in_client(app)
    signed_in_client(app, agent=IPHONE)
    assert queued(app, kind="new_device") == []


@pytest.mark.db
def test_a_password_change_is_told(app):
    add_user(app, "alice", "alice@example.com")
    client = signed_in_client(app)
    data = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/account"),
    }
    assert client.post("/account/password", data=data).status_code == 302
    notice = the_message(app, kind="password_changed")
    assert "198.51.100.7" in notice["text"] and "Firefox on Linux" in notice["text"]


@pytest.mark.db
def test_a_change_by_an_administrator_says_so(app):
    alice = add_user(app, "alice", "alice@example.com")
    with app.test_request_context():
        accounts.change_password(alice, NEW_PASSWORD, actor=CLI, settings=settings())
    text = the_message(app, kind="password_changed")["text"]
    assert messages.NOTICE_BY_ADMIN in text and "Device:" not in text


@pytest.mark.db
def test_a_lockout_is_told_once(app):
    add_user(app, "alice", "alice@example.com")
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 4):
        post_login(client, "alice@example.com", "wrong-guess", ip="192.0.2.66")
    notice = the_message(app, kind="locked")
    assert "192.0.2.66" in notice["text"]


@pytest.mark.db
def test_a_lockout_of_the_client_address_alone_is_not_the_account_s(make_app):
    app = make_app(LOGIN_MAX_FAILURES_PER_IP=2)
    add_user(app, "alice", "alice@example.com")
    client = app.test_client()
    post_login(client, "nobody", "wrong", ip="192.0.2.66")
    post_login(client, "nobody2", "wrong", ip="192.0.2.66")
    assert post_login(client, "alice", "wrong", ip="192.0.2.66").status_code == 429
    assert queued(app) == []
