"""What the admin area's actions send the user: a reset link on request, and a notice to the
confirmed address for each change an administrator makes (the e-mail feature's notices,
through the one door's signals), naming the administrator."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import accounts, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.admin.conftest import act, grant, user_id
from tests.support.email import add_user, link_path, queued, the_message
from tests.support.web import csrf_token, page_text, signed_in_client
from tests.two_factor.helpers import code_at


def fresh_id(app, name: str):
    with app.app_context():
        return users.find_user(name)["_id"]


@pytest.fixture
def mail_app(make_app):
    """alice, an administrator, and bob, with confirmed addresses."""
    app = make_app(ADMIN_REQUIRES_TWO_FACTOR=False, PUBLIC_URL="https://auth.example.com")
    add_user(app, "alice", "alice@example.com")
    add_user(app, "bob", "bob@example.com")
    grant(app, "alice")
    return app


@pytest.fixture
def admin(mail_app):
    return signed_in_client(mail_app, "alice")


@pytest.mark.db
def test_send_a_reset_link_to_the_confirmed_address(mail_app, admin):
    bob = user_id(mail_app, "bob")
    page = page_text(admin.get(f"/admin/users/{bob}"))
    assert "Send a password reset link" in page and "bob@example.com" in page
    done = act(admin, f"/admin/users/{bob}/send-reset")
    said = messages.admin_done("reset_sent", "bob")
    assert said in page_text(admin.get(done.headers["Location"]))
    link = the_message(mail_app, kind="reset")
    assert link["to"] == "bob@example.com"
    # The link works like one bob asked for, and the admin never saw it.
    reset = admin.application.test_client()
    path = link_path(link)
    assert reset.get(path).status_code == 200
    assert path not in admin.get(f"/admin/users/{bob}").get_data(as_text=True)


@pytest.mark.db
@pytest.mark.parametrize("address, confirmed", [(None, False), ("carol@example.com", False)])
def test_no_link_without_a_confirmed_address(mail_app, admin, address, confirmed):
    add_user(mail_app, "carol", address, confirmed=confirmed)
    carol = user_id(mail_app, "carol")
    assert "Send a password reset link" not in page_text(admin.get(f"/admin/users/{carol}"))
    refused = act(admin, f"/admin/users/{carol}/send-reset")
    assert refused.status_code == 409, refused.headers.get("Location")
    assert messages.admin_done("no_reset", "carol") in page_text(refused)
    assert queued(mail_app, kind="reset") == []


@pytest.mark.db
def test_each_admin_change_sends_its_notice_naming_the_administrator(mail_app, admin):
    bob = user_id(mail_app, "bob")
    signed_in_client(mail_app, "bob")
    for action in [
        "sessions/revoke",
        "admin/grant",
        "admin/revoke",
        "disable",
        "enable",
        "unlock",
    ]:
        assert act(admin, f"/admin/users/{bob}/{action}").status_code == 302, action
    sent = [(m["kind"], m["to"]) for m in queued(mail_app, user_id=fresh_id(mail_app, "bob"))]
    assert sent == [
        ("sessions_ended", "bob@example.com"),
        ("role_granted", "bob@example.com"),
        ("role_revoked", "bob@example.com"),
        ("account_disabled", "bob@example.com"),
        ("account_enabled", "bob@example.com"),
        ("account_unlocked", "bob@example.com"),
    ]
    granted = the_message(mail_app, kind="role_granted", to="bob@example.com")
    assert granted["subject"] == messages.NOTICES["role_granted"][0]
    assert "An administrator gave your account bob the role admin." in granted["text"]
    assert "From: the administrator alice (admin area)" in granted["text"]


@pytest.mark.db
def test_the_command_line_is_named_as_such(mail_app):
    with mail_app.test_request_context():
        accounts.grant_role(users.find_user("bob"), "editor", actor=CLI, settings=settings())
    notice = the_message(mail_app, kind="role_granted", to="bob@example.com")
    assert "the role editor" in notice["text"]
    assert f"From: {messages.NOTICE_BY_ADMIN}" in notice["text"]


@pytest.mark.db
def test_what_users_do_to_their_own_sessions_sends_nothing(mail_app):
    bob = signed_in_client(mail_app, "bob")
    signed_in_client(mail_app, "bob", ip="203.0.113.3")
    bob.post("/account/sessions/revoke", data={"csrf_token": csrf_token(bob, "/account")})
    assert queued(mail_app, kind="sessions_ended") == []


@pytest.mark.db
def test_removing_the_second_factors_sends_a_notice(mail_app, admin, clock):
    with mail_app.test_request_context():
        bob = users.find_user("bob")
        secret = accounts.start_totp_setup(bob, settings=settings())
        assert accounts.enable_totp(bob, code_at(secret, clock.at), actor=CLI, settings=settings())
    act(admin, f"/admin/users/{bob['_id']}/two-factor/remove")
    notice = the_message(mail_app, kind="two_factor_reset")
    assert notice["to"] == "bob@example.com"
    assert "its password alone signs in now" in notice["text"]
