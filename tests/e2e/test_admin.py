"""The admin area in a real browser: sent to enrol without a second factor, a disabled user
signed out at their next request, an action asking for the password again, the keyboard
alone, and axe on every admin page (and their states)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from flaskr import messages
from flaskr.identity import accounts, admins, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.support.web import PASSWORD

from .browser import expect, skip_without_tools
from .test_flows import press, sign_in

skip_without_tools()
pytestmark = pytest.mark.realdb


def make_admin(live_server, second_factor: bool = True) -> tuple[str, str | None]:
    """A new administrator, with an authenticator app turned on unless asked otherwise:
    (username, its key or None)."""
    username = live_server.create_user()
    key = None
    with live_server.app.test_request_context():
        user = users.find_user(username)
        accounts.grant_role(user, "admin", actor=CLI, settings=settings())
        if second_factor:
            key = accounts.start_totp_setup(user, settings=settings())
            assert accounts.enable_totp(user, pyotp.TOTP(key).now(), actor=CLI, settings=settings())
    return username, key


def sign_in_admin(page, a11y, live_server, username: str, key: str) -> None:
    """Password, then the next code of the authenticator app (the one that turned it on is
    used up)."""
    sign_in(page, a11y, username, path="/auth/login")
    expect(page).to_have_url(re.compile(r"/auth/two-factor$"))
    last = live_server.db.users.find_one({"username": username})["totp"]["last_step"]
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).at((last + 1) * 30))
    press(page, "Continue")
    a11y(page)


def open_user(page, a11y, username: str) -> None:
    """From anywhere in the area: Users, search, the user's page."""
    page.goto("/admin/users")
    a11y(page)
    page.get_by_label("Starts with").fill(username)
    press(page, "Search")
    a11y(page)
    with page.expect_navigation():
        page.locator("#main").get_by_role("link", name=username, exact=True).click()
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(username)


def test_an_admin_without_a_second_factor_is_sent_to_enrol(page, a11y, live_server):
    username, _ = make_admin(live_server, second_factor=False)
    sign_in(page, a11y, username, path="/auth/login")
    with page.expect_navigation():
        page.get_by_role("link", name="Admin").click()
    a11y(page)
    expect(page).to_have_url(re.compile(r"/admin/enrol$"))
    expect(page.get_by_text("your account must sign in with a second factor")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Set up two-factor sign-in").click()
    a11y(page)
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))


def test_a_disabled_user_is_signed_out_at_their_next_request(browse, page, a11y, live_server):
    admin, key = make_admin(live_server)
    victim = live_server.create_user()
    elsewhere = browse.open()
    sign_in(elsewhere, a11y, victim, path="/auth/login")
    expect(elsewhere).to_have_url(re.compile(r"/user$"))

    sign_in_admin(page, a11y, live_server, admin, key)
    open_user(page, a11y, victim)
    expect(page.get_by_role("heading", name="Sessions (1)")).to_be_visible()
    press(page, "Disable the account and end its sessions")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.admin_disabled(victim, 1))
    expect(page.get_by_text("disabled", exact=True).first).to_be_visible()

    elsewhere.goto("/account")
    a11y(elsewhere)
    expect(elsewhere).to_have_url(re.compile(r"/auth/login\?next="))
    sign_in(elsewhere, a11y, victim)
    expect(elsewhere.get_by_role("alert")).to_contain_text(messages.INCORRECT_LOGIN)


def test_an_action_without_a_recent_password_asks_for_it(page, a11y, live_server):
    admin, key = make_admin(live_server)
    other = live_server.create_user()
    sign_in_admin(page, a11y, live_server, admin, key)
    # The password was given 11 minutes ago, as far as this session knows.
    long_ago = datetime.now(UTC) - timedelta(minutes=11)
    user_id = live_server.db.users.find_one({"username": admin})["_id"]
    live_server.db.sessions.update_many(
        {"user_id": user_id}, {"$set": {"authenticated_at": long_ago}}
    )
    open_user(page, a11y, other)
    press(page, "Grant the admin role")
    a11y(page)
    expect(page).to_have_url(re.compile(r"/auth/reauthenticate\?next="))
    expect(page.get_by_role("status")).to_have_text(messages.ADMIN_REAUTH)
    assert users.roles(live_server.db.users.find_one({"username": other})) == []
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Confirm")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(other)
    press(page, "Grant the admin role")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.admin_done("granted", other))


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's label or text contains `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        # A field is known by its label, anything else by its text.
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.labels?.length ? e.labels[0].innerText : (e.innerText || ''); }"
        )
        if name in focused:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_the_keyboard_alone_finds_a_user_and_acts(page, a11y, live_server):
    admin, key = make_admin(live_server)
    victim = live_server.create_user()
    sign_in_admin(page, a11y, live_server, admin, key)
    page.goto("/admin")
    a11y(page)
    tab_to(page, "Users")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    tab_to(page, "Starts with")
    page.keyboard.type(victim)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    tab_to(page, victim)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(victim)
    tab_to(page, "Disable the account")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.admin_disabled(victim, 0))
    # Deleting: type the name into the confirmation, then the button, all from the keyboard.
    tab_to(page, "Type the username to confirm")
    page.keyboard.type(victim)
    tab_to(page, f"Delete {victim}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.admin_deleted(victim))
    tab_to(page, "Audit trail")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    tab_to(page, "Event")
    page.keyboard.type("Account disabled")  # a select picks the option typed
    tab_to(page, "Filter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    expect(page).to_have_url(re.compile(r"event=account_disabled"))


def test_every_admin_page_and_state_passes_axe(page, a11y, live_server):
    admin, key = make_admin(live_server)
    other = live_server.create_user()
    sign_in_admin(page, a11y, live_server, admin, key)
    for path in ["/admin", "/admin/users", "/admin/audit", "/admin/enrol"]:
        page.goto(path)
        a11y(page)
    page.goto("/admin/audit?since=not-a-time")  # a refused filter, next to its field
    a11y(page)
    expect(page.locator(".field .error")).to_have_text(f"Error: {messages.ADMIN_BAD_TIME}")
    page.goto(f"/admin/users?q={'x' * 300}")
    a11y(page)
    open_user(page, a11y, other)
    page.get_by_label("Type the username to confirm").fill("not the name")
    press(page, f"Delete {other}")
    a11y(page)
    error = page.locator(".field.invalid .error")
    expect(error).to_have_text(f"Error: {messages.ADMIN_TYPE_USERNAME}")
    # Refused for the last administrator: the count says one is left (other tests made
    # more; `users recount-admins` puts it right after).
    live_server.db.counters.update_one({"_id": "active_admins"}, {"$set": {"count": 1}})
    try:
        open_user(page, a11y, admin)
        with page.expect_navigation() as refused:
            page.get_by_role("button", name="Revoke the admin role").click()
        assert refused.value.status == 409
        a11y(page)
        # A refusal is an error: in the summary, which has the focus.
        expect(page.locator("#error-summary")).to_contain_text(messages.LAST_ADMIN)
        expect(page.locator("#error-summary")).to_be_focused()
    finally:
        with live_server.app.app_context():
            admins.repair()


def test_the_admin_pages_keep_their_content_security_policy(browser, live_server):
    """The charts are SVG from the server: no script, no inline style, nothing refused."""
    admin, key = make_admin(live_server)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        sign_in_admin(page, lambda p: None, live_server, admin, key)
        for path in ["/admin", "/admin/users", "/admin/audit"]:
            page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
        page.goto("/admin")
        expect(page.get_by_role("img", name=re.compile("Sign-ins per hour"))).to_be_visible()
    finally:
        context.close()
    assert problems == []
