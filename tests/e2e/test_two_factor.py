"""Two-factor sign-in in a real browser: turn it on reading the key off the page, sign in with
a code and with a recovery code, turn it off."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from flaskr import messages
from tests.support.web import PASSWORD

from .browser import expect, skip_without_tools
from .conftest import strict_tab
from .test_console import sign_in_plainly
from .test_flows import press, sign_in, sign_out

skip_without_tools()
pytestmark = pytest.mark.realdb


def turn_on(page, a11y, live_server, username: str) -> tuple[str, list[str]]:
    """From the account page to two-factor sign-in on; the key and the recovery codes."""
    page.goto("/account")
    a11y(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Set up two-factor sign-in").click()
    a11y(page)
    press(page, "Set up an authenticator app")
    a11y(page)
    expect(page.get_by_role("img", name="QR code of the key")).to_be_visible()
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    link = page.get_by_role("link", name="Open it in your authenticator app")
    assert link.get_attribute("href").startswith(f"otpauth://totp/flaskr:{username}?secret={key}")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
    press(page, "Turn on two-factor sign-in")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is on")
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as text").click()
    saved = download.value
    assert saved.suggested_filename == "flaskr-recovery-codes.txt"
    assert Path(saved.path()).read_text().split() == codes
    return key, codes


def test_on_sign_in_with_a_code_and_a_recovery_code_then_off(page, a11y, live_server):
    username = live_server.create_user()
    sign_in(page, a11y, username, path="/auth/login")
    key, codes = turn_on(page, a11y, live_server, username)
    # The step of the code that turned it on is used: the next one signs in (one step ahead
    # is inside the window), without waiting for the phone's next code.
    user = live_server.db.users.find_one({"username": username})
    next_code = pyotp.TOTP(key).at((user["totp"]["last_step"] + 1) * 30)

    sign_out(page)
    a11y(page)
    sign_in(page, a11y, username, path="/auth/login")
    expect(page).to_have_url(re.compile(r"/auth/two-factor$"))
    page.get_by_label("Code from your authenticator app").fill("000000")
    press(page, "Continue")
    a11y(page)
    expect(page.get_by_role("alert")).to_contain_text(str(messages.WRONG_CODE))
    page.get_by_label("Code from your authenticator app").fill(next_code)
    press(page, "Continue")
    a11y(page)
    expect(page).to_have_url(re.compile(r"/user$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    activity = page.get_by_role("table", name="Recent activity")
    expect(activity).to_contain_text(str(messages.EVENTS["second_step_passed"]))
    expect(activity).to_contain_text(str(messages.EVENTS["second_step_failed"]))
    expect(activity).to_contain_text(str(messages.EVENTS["password_passed"]))

    sign_out(page)
    a11y(page)
    sign_in(page, a11y, username, path="/auth/login")
    with page.expect_navigation():
        page.get_by_role("link", name="Use a recovery code").click()
    a11y(page)
    page.get_by_label("Recovery code").fill(codes[0])
    press(page, "Continue")
    a11y(page)
    expect(page.get_by_role("status")).to_contain_text(messages.signed_in_with_recovery_code(9))

    page.goto("/account/two-factor")
    a11y(page)
    expect(page.get_by_text("9 of your recovery codes are left.")).to_be_visible()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[1])
    press(page, "Turn off two-factor sign-in")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.two_factor_off(0))
    expect(page.get_by_role("button", name="Set up an authenticator app")).to_be_visible()

    sign_out(page)
    a11y(page)
    sign_in(page, a11y, username, path="/auth/login")
    expect(page).to_have_url(re.compile(r"/user$"))


def test_the_setup_page_keeps_its_content_security_policy(browser, live_server):
    """The QR code is inline SVG from the server: no script, no style, nothing from elsewhere."""
    with strict_tab(browser, live_server.url) as tab:
        page = tab.page
        sign_in_plainly(page, live_server.create_user(), PASSWORD)
        page.goto("/account/two-factor")
        with page.expect_navigation():
            page.get_by_role("button", name="Set up an authenticator app").click()
        expect(page.get_by_role("img", name="QR code of the key")).to_be_visible()
        assert page.url.endswith("/account/two-factor/totp")
    assert tab.problems == []
    assert tab.only_from(live_server.url), tab.requests
