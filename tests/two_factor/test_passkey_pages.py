"""The passkey parts of the pages: the list on /account/two-factor with plain forms to rename and
remove, and the buttons the sign-in, second-step and re-authentication pages give the script."""

from __future__ import annotations

import re

import pytest

from flaskr import messages
from tests.support.authenticator import SoftAuthenticator
from tests.support.passkeys import ORIGIN
from tests.support.web import AuthActions, csrf_token, page_text

from .helpers import TwoFactorPages

PAGE = "/account/two-factor"


@pytest.fixture
def app(make_app):
    return make_app(PUBLIC_URL=ORIGIN)


def api(client, path: str, json=None):
    """What the page's script does: a JSON call with the page's CSRF token."""
    token = csrf_token(client, PAGE)
    return client.post("/api/v1" + path, json=json or {}, headers={"X-CSRFToken": token})


def add_passkey(client, device: SoftAuthenticator, name: str = "Laptop") -> str:
    """A passkey made as the two-factor page's script makes it; its id."""
    options = api(client, "/passkeys/register/options").get_json()["options"]
    added = api(client, "/passkeys/register", {"credential": device.create(options), "name": name})
    assert added.status_code == 201, added.get_json()
    return added.get_json()["passkey"]["id"]


@pytest.fixture
def device():
    return SoftAuthenticator(ORIGIN)


@pytest.fixture
def passkey(alice, client, device):
    """alice signed in, with one passkey: its id."""
    return add_passkey(client, device)


def test_the_page_lists_each_passkey_with_its_facts_and_forms(client, passkey):
    add_passkey(client, SoftAuthenticator(ORIGIN, backup_eligible=True, backed_up=True), "Phone")
    text = page_text(client.get(PAGE))
    assert "<h3>Laptop</h3>" in text and "<h3>Phone</h3>" in text
    assert "Bound to one device" in text and "Synced to your other devices" in text
    assert text.count("<dd>Never</dd>") == 2
    assert f'action="/account/two-factor/passkeys/{passkey}/rename"' in text
    assert f'action="/account/two-factor/passkeys/{passkey}/remove"' in text
    assert '<label for="passkey-' + passkey + '-name">New name for Laptop</label>' in text


def test_the_add_form_is_for_the_script_only(client, alice):
    text = page_text(client.get(PAGE))
    form = re.search(r'<form class="card passkey"[^>]*>', text).group(0)
    assert 'data-passkey="register"' in form
    assert 'data-options="/api/v1/passkeys/register/options"' in form
    assert 'data-verify="/api/v1/passkeys/register"' in form
    assert f'data-origin="{ORIGIN}"' in form
    assert 'data-reauth="/auth/reauthenticate?next=/account/two-factor"' in form
    assert form.rstrip(">").split()[-2:] == ["hidden", "novalidate"]
    assert '<script src="/static/passkeys.js" defer></script>' in text
    assert "You have no passkeys." in text


def test_without_public_url_no_passkey_part_is_offered(make_app):
    client = make_app().test_client()
    auth = AuthActions(client)
    auth.register()
    auth.login()
    for path in (PAGE, "/auth/login", "/auth/reauthenticate"):
        text = page_text(client.get(path))
        assert "data-passkey" not in text
        assert "passkeys.js" not in text


def test_after_adding_the_page_says_which(client, passkey):
    text = page_text(client.get(PAGE, query_string={"added": passkey}))
    assert messages.passkey_added("Laptop") in text
    assert "has been added" not in page_text(client.get(PAGE, query_string={"added": "x"}))


@pytest.mark.db
def test_rename_with_the_form(client, passkey, db):
    pages = TwoFactorPages(client)
    response = pages.post(f"{PAGE}/passkeys/{passkey}/rename", {"passkey_name": "Work laptop"})
    assert response.headers["Location"] == "/account/two-factor#passkeys"
    assert messages.passkey_renamed("Work laptop") in page_text(client.get(PAGE))
    assert db.passkeys.find_one()["name"] == "Work laptop"
    for bad, reason in [
        ("", str(messages.PASSKEY_NAME_REQUIRED)),
        ("x" * 65, messages.passkey_name_too_long(64)),
    ]:
        pages.post(f"{PAGE}/passkeys/{passkey}/rename", {"passkey_name": bad})
        assert reason in page_text(client.get(PAGE))
    assert db.passkeys.find_one()["name"] == "Work laptop"


@pytest.mark.db
def test_remove_with_the_form_after_a_recent_password(client, passkey, clock, db):
    pages = TwoFactorPages(client)
    clock.advance(minutes=10)
    stale = pages.post(f"{PAGE}/passkeys/{passkey}/remove")
    assert stale.headers["Location"] == "/auth/reauthenticate?next=/account/two-factor"
    assert db.passkeys.count_documents({}) == 1
    pages.reauthenticate()
    response = pages.post(f"{PAGE}/passkeys/{passkey}/remove")
    assert response.headers["Location"] == "/account/two-factor#passkeys"
    assert messages.passkey_removed("Laptop") in page_text(client.get(PAGE))
    assert db.passkeys.count_documents({}) == 0
    again = pages.post(f"{PAGE}/passkeys/{passkey}/remove")
    assert again.status_code == 302
    assert str(messages.PASSKEY_NOT_FOUND) in page_text(client.get(PAGE))


def test_nobody_renames_or_removes_another_accounts_passkey(app, client, passkey, db):
    other = app.test_client()
    auth = AuthActions(other)
    auth.register("bob")
    auth.login("bob")
    pages = TwoFactorPages(other)
    pages.post(f"{PAGE}/passkeys/{passkey}/rename", {"passkey_name": "mine"})
    pages.post(f"{PAGE}/passkeys/{passkey}/remove")
    assert str(messages.PASSKEY_NOT_FOUND) in page_text(other.get(PAGE))
    assert db.passkeys.find_one()["name"] == "Laptop"


def test_the_forms_need_their_csrf_token(client, passkey, db):
    came_from = {"Referer": f"http://localhost{PAGE}"}
    for action, data in (("remove", None), ("rename", {"passkey_name": "x"})):
        sent = client.post(f"{PAGE}/passkeys/{passkey}/{action}", data=data, headers=came_from)
        # Nothing done; back to the page the form is on, saying why.
        assert (sent.status_code, sent.headers["Location"]) == (303, PAGE)
        assert str(messages.FORM_EXPIRED) in page_text(client.get(PAGE))
    assert db.passkeys.find_one()["name"] == "Laptop"


def test_the_sign_in_page_offers_passkeys_with_and_without_a_username(client):
    text = page_text(client.get("/auth/login", query_string={"next": "/account"}))
    assert 'autocomplete="username webauthn"' in text
    box = re.search(r'<div class="passkey [^"]*"[^>]*>', text).group(0)
    assert 'data-passkey="sign-in"' in box and "data-autofill" in box
    assert 'data-remember="remember"' in box and 'data-next="/account"' in box
    assert ">Sign in with a passkey</button>" in text
    # Only to a page of this site.
    evil = page_text(client.get("/auth/login", query_string={"next": "//evil.example/"}))
    assert 'data-next="/user"' in evil


def test_a_password_then_the_passkey_page_for_an_account_with_only_passkeys(app, client, passkey):
    other = app.test_client()
    response = AuthActions(other).login()
    assert response.headers["Location"] == "/auth/two-factor"
    text = page_text(other.get("/auth/two-factor"))
    assert 'data-passkey="second-step"' in text
    assert 'name="code"' not in text  # no app: no code to type
    assert "Use a recovery code" not in text
    assert "Signing in with a passkey needs JavaScript." in text


def test_the_second_step_offers_the_app_and_the_passkey_side_by_side(
    client, alice, on_step, device
):
    TwoFactorPages(client).enable(on_step)
    add_passkey(client, device)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    AuthActions(client).login()
    text = page_text(client.get("/auth/two-factor"))
    assert 'name="code"' in text and 'value="totp"' in text
    assert 'data-passkey="second-step"' in text and "Use a recovery code" in text


def test_re_authentication_offers_a_passkey_only_to_accounts_with_one(client, alice, device):
    assert "data-passkey" not in page_text(client.get("/auth/reauthenticate"))
    add_passkey(client, device)
    text = page_text(client.get("/auth/reauthenticate", query_string={"next": PAGE}))
    assert 'data-passkey="reauthenticate"' in text and f'data-next="{PAGE}"' in text


def test_the_account_page_counts_them(client, passkey):
    text = page_text(client.get("/account"))
    assert "each sign-in with your password also asks for a passkey" in text
    assert "Passkeys: 1." in text


def test_required_two_factor_is_met_by_a_passkey(make_app, device):
    app = make_app(PUBLIC_URL=ORIGIN, TWO_FACTOR_REQUIRED=True)
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    auth.login()
    assert client.get("/account").headers["Location"] == PAGE
    add_passkey(client, device)
    assert client.get("/account").status_code == 200
    assert messages.TWO_FACTOR_ENROL.endswith("an authenticator app or a passkey to continue.")


@pytest.mark.db
def test_the_administrators_reset_removes_the_passkeys(app, runner, passkey, db):
    result = runner.invoke(args=["users", "reset-two-factor", "alice"])
    assert (
        result.stdout == "Removed the two-factor sign-in of alice; their password alone signs in.\n"
    )
    assert db.passkeys.count_documents({}) == 0
    assert AuthActions(app.test_client()).login().headers["Location"] == "/user"
