"""Turning two-factor sign-in on and off at /account/two-factor, and new recovery codes."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from flaskr import messages
from flaskr.identity import users
from tests.support.web import AuthActions, page_text

from .helpers import CODES_RE, code_at


def test_the_page_says_what_is_on(client, alice):
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert "Set up an authenticator app" in page_text(page)
    assert "Turn off" not in page_text(page)
    assert page.headers["Cache-Control"] == "no-store"
    # The account page links to it.
    assert 'href="/account/two-factor"' in page_text(client.get("/account"))


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/two-factor")
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.db
def test_setup_shows_a_qr_code_the_key_and_a_link(app, client, alice, pages, db):
    secret = pages.start()
    page = client.get("/account/two-factor/totp")
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # 160 random bits, in base32, shown in groups of four.
    assert len(secret) == 32 and re.fullmatch(r"[A-Z2-7]+", secret)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in text
    # The QR code is inline SVG made by the server: no image from elsewhere, no script.
    assert re.search(r'<svg role="img" aria-label="QR code of the key"[^>]*>', text)
    assert "<img" not in text
    assert re.findall(r"<script[^>]*>", text) == ['<script src="/static/flaskr.js" defer>']
    link = re.search(r'href="(otpauth://totp/[^"]+)"', text).group(1)
    parts = urlsplit(link.replace("&amp;", "&"))
    assert unquote(parts.path) == "/flaskr:alice"
    assert parse_qs(parts.query) == {"secret": [secret], "issuer": ["flaskr"]}
    # Pending, not on: sign-ins still take the password alone.
    assert not users.totp_secret(db.users.find_one())
    assert AuthActions(app.test_client()).login().headers["Location"] == "/user"


def test_the_issuer_comes_from_the_configuration(make_app, on_step):
    from .helpers import TwoFactorPages

    app = make_app(TOTP_ISSUER="Example Corp")
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    auth.login()
    TwoFactorPages(client).start()
    text = client.get("/account/two-factor/totp").get_data(as_text=True)
    assert "otpauth://totp/Example%20Corp:alice?" in text
    assert "issuer=Example%20Corp" in text


@pytest.mark.db
def test_a_wrong_code_keeps_the_setup_pending(client, alice, pages, on_step, db):
    secret = pages.start()
    response = pages.confirm(code_at(secret, on_step.at, steps=3))
    assert response.status_code == 400
    assert messages.WRONG_CODE in page_text(response)
    # The same key is still shown, and its right code turns it on.
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page_text(response)
    assert db.users.find_one().get("totp") is None
    assert pages.confirm(code_at(secret, on_step.at)).status_code == 200
    assert db.users.find_one()["totp"]["last_step"] == int(on_step.at.timestamp()) // 30


@pytest.mark.db
def test_a_right_code_turns_it_on_and_shows_the_recovery_codes_once(
    app, client, alice, pages, on_step, db
):
    secret = pages.start()
    response = pages.confirm(code_at(secret, on_step.at))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = CODES_RE.findall(response.get_data(as_text=True))
    assert len(codes) == app.config["RECOVERY_CODES"] == 10
    assert len(set(codes)) == 10
    # The download link carries the same list as text; nothing is fetched from the server.
    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" download=', page_text(response))
    assert unquote(link.group(1)).split() == codes
    stored = db.users.find_one()
    assert stored["totp"]["secret"] != secret and secret not in str(stored)
    assert not any(code.replace("-", "") in str(stored) for code in codes)
    # Shown once: the page now says how many are left, not which.
    page = page_text(client.get("/account/two-factor"))
    assert "10 of your recovery codes are left" in page
    assert not any(code in page for code in codes)
    assert db.auth_events.find_one({"event": "two_factor_enabled"})["actor"] == "self"


def test_setup_while_it_is_on_is_refused(client, enabled, pages, db):
    before = db.users.find_one()["totp"]
    response = pages.post("/account/two-factor/totp")
    assert response.headers["Location"] == "/account/two-factor"
    assert messages.TWO_FACTOR_ALREADY_ON in page_text(client.get("/account/two-factor"))
    assert db.users.find_one()["totp"] == before


def test_confirming_without_a_setup_is_refused(client, alice, pages):
    response = pages.confirm("123456")
    assert response.headers["Location"] == "/account/two-factor"
    assert messages.TOTP_SETUP_GONE in page_text(client.get("/account/two-factor"))


def test_a_setup_expires_after_fifteen_minutes(client, alice, pages, on_step):
    secret = pages.start()
    on_step.advance(minutes=15)
    # Still within the window for sensitive changes? No: give the password again first.
    pages.reauthenticate()
    response = pages.confirm(code_at(secret, on_step.at))
    assert response.headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor/totp").headers["Location"] == "/account/two-factor"


def test_a_new_setup_replaces_the_pending_one(client, alice, pages, on_step):
    first = pages.start()
    second = pages.start()
    assert first != second
    assert pages.confirm(code_at(first, on_step.at)).status_code == 400
    assert pages.confirm(code_at(second, on_step.at)).status_code == 200


@pytest.mark.db
def test_new_recovery_codes_replace_the_old_ones(client, enabled, pages, db, app):
    _, old = enabled
    new = pages.new_codes()
    assert len(new) == 10 and not set(new) & set(old)
    assert len(db.users.find_one()["recovery_codes"]) == 10
    assert db.auth_events.find_one({"event": "recovery_codes_regenerated"})


@pytest.mark.db
def test_turning_it_off_needs_a_current_code(app, client, enabled, pages, on_step, db):
    secret, _ = enabled
    other = AuthActions(app.test_client())
    other.login()
    pending = other.client
    assert pending.get("/auth/two-factor").status_code == 200
    on_step.advance(seconds=30)
    wrong = pages.disable(code_at(secret, on_step.at, steps=5))
    assert wrong.status_code == 400
    assert messages.WRONG_CODE in page_text(wrong)
    assert db.users.find_one()["totp"]
    response = pages.disable(code_at(secret, on_step.at))
    assert response.headers["Location"] == "/account/two-factor"
    assert "Two-factor sign-in is off." in page_text(client.get("/account/two-factor"))
    stored = db.users.find_one()
    assert "totp" not in stored and "recovery_codes" not in stored
    events = [e["event"] for e in db.auth_events.find().sort([("at", 1), ("_id", 1)])]
    assert events[-2:] == ["second_step_failed", "two_factor_disabled"]


def test_turning_it_off_ends_the_other_sessions(app, client, enabled, pages, on_step, db):
    secret, codes = enabled
    on_step.advance(seconds=30)
    elsewhere = app.test_client()
    AuthActions(elsewhere).login()
    assert TwoFactorPagesOf(elsewhere).code(code_at(secret, on_step.at)).status_code == 302
    assert elsewhere.get("/user").status_code == 200
    assert db.sessions.count_documents({}) == 2
    response = pages.disable(codes[0])
    assert response.headers["Location"] == "/account/two-factor"
    assert "1 other session signed out" in page_text(client.get("/account/two-factor"))
    assert elsewhere.get("/user").status_code == 302
    assert client.get("/user").status_code == 200


def TwoFactorPagesOf(client):
    from .helpers import TwoFactorPages

    return TwoFactorPages(client)


def test_a_wrong_recovery_code_does_not_turn_it_off(client, enabled, pages, db):
    response = pages.disable("0000-0000-0000-0000")
    assert response.status_code == 400
    assert messages.WRONG_RECOVERY_CODE in page_text(response)
    assert db.users.find_one()["totp"]


def test_turning_off_what_is_off_says_so(client, alice, pages):
    response = pages.disable("123456")
    assert response.headers["Location"] == "/account/two-factor"
    assert messages.TWO_FACTOR_NOT_ON in page_text(client.get("/account/two-factor"))


@pytest.mark.parametrize(
    "path",
    [
        "/account/two-factor/totp",
        "/account/two-factor/disable",
        "/account/two-factor/totp/confirm",
        "/account/two-factor/recovery-codes",
    ],
)
def test_every_change_needs_the_csrf_token(client, enabled, path, db):
    before = db.users.find_one()
    assert client.post(path, data={"code": "123456"}).status_code == 303  # the form again
    assert db.users.find_one() == before


def test_an_empty_code_is_asked_for_again(client, alice, pages):
    pages.start()
    response = pages.confirm("")
    assert response.status_code == 400
    assert messages.ENTER_CODE in page_text(response)


def test_an_empty_code_does_not_turn_it_off(client, enabled, pages, db):
    response = pages.disable("   ")
    assert response.status_code == 400
    assert messages.ENTER_CODE_OR_RECOVERY_CODE in page_text(response)
    assert db.users.find_one()["totp"]


def test_no_new_recovery_codes_while_it_is_off(client, alice, pages, db):
    response = pages.post("/account/two-factor/recovery-codes")
    assert response.headers["Location"] == "/account/two-factor"
    assert messages.TWO_FACTOR_NOT_ON in page_text(client.get("/account/two-factor"))
    assert "recovery_codes" not in db.users.find_one()


@pytest.mark.db
def test_guessing_codes_to_turn_it_off_is_throttled(app, client, enabled, pages, db):
    for _ in range(app.config["TWO_FACTOR_MAX_FAILURES"]):
        assert pages.disable("000000").status_code == 400
    _, codes = enabled
    locked = pages.disable(codes[0])
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in page_text(locked)
    assert db.users.find_one()["totp"]
