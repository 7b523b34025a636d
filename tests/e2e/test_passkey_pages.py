"""The passkey pages in Chromium: under the app's own Content-Security-Policy with no console
error or DevTools issue (and the username field's autofill signing in), at a laptop's and a
phone's width, and without JavaScript."""

from __future__ import annotations

import re

import pytest

from .browser import VIEWPORTS, expect, skip_without_tools, too_wide
from .conftest import strict_tab
from .passkey_helpers import add_passkey, autofill_held, expect_signed_in_as, start
from .test_flows import sign_in, sign_out

skip_without_tools()
pytestmark = pytest.mark.realdb


@pytest.fixture
def site(passkey_server):
    """The tabs of this module browse the app at http://localhost:PORT."""
    return passkey_server


def test_the_pages_keep_their_content_security_policy_and_autofill_signs_in(
    browser, passkey_server
):
    """The script is the site's own file: no inline script, nothing from elsewhere, no console
    error; and a passkey offered in the username field's autofill signs in by itself."""
    with strict_tab(browser, passkey_server.url) as tab:
        page = tab.page
        username, device = start(page, lambda _: None, passkey_server)
        add_passkey(page, lambda _: None, "Autofill")
        sign_out(page)
        # Nothing clicked, no username typed: the autofill's passkey signs in.
        page.goto("/auth/login")
        page.wait_for_url(re.compile(r"/user$"))
        expect_signed_in_as(page, username)
        assert len(device.credentials()) == 1
    assert tab.problems == [], "\n".join(tab.problems)
    assert tab.only_from(passkey_server.url), tab.requests


@pytest.mark.parametrize("kind", list(VIEWPORTS))
def test_the_passkey_pages_fit_a_laptop_and_a_phone(browse, a11y, passkey_server, kind):
    """Every page with a passkey part, at 1280 and 390 px, with the longest name there is."""
    tab = browse.open(viewport=VIEWPORTS[kind], is_mobile=kind == "phone")
    username, _ = start(tab, a11y, passkey_server)
    add_passkey(tab, a11y, "W" * 64)
    for path, button in (
        ("/account/two-factor", "Add a passkey"),
        ("/auth/reauthenticate", "Confirm with a passkey"),
    ):
        tab.goto(path)
        a11y(tab)
        expect(tab.get_by_role("button", name=button)).to_be_visible()
        assert too_wide(tab) == [], (path, kind, too_wide(tab))
    sign_out(tab)
    a11y(tab)
    with autofill_held(tab):
        tab.goto("/auth/login")
        a11y(tab)
        expect(tab.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
        assert too_wide(tab) == [], f"/auth/login at {kind}"
        sign_in(tab, a11y, username)
    expect(tab.get_by_role("button", name="Use a passkey")).to_be_visible()
    assert too_wide(tab) == [], f"/auth/two-factor at {kind}"
    a11y(tab)


def test_without_javascript_the_pages_work_and_show_no_passkey_button(browser, passkey_server):
    """The passkey parts stay hidden; the password form does all there is. (No script at all,
    axe included.)"""
    username = passkey_server.create_user()
    context = browser.new_context(base_url=passkey_server.url, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/auth/login")
        expect(tab.locator("[data-passkey]")).to_be_hidden()
        sign_in(tab, lambda _: None, username)
        expect(tab).to_have_url(re.compile(r"/user$"))
        expect_signed_in_as(tab, username)
        tab.goto("/account/two-factor")
        expect(tab.get_by_role("heading", name="Passkeys")).to_be_visible()
        expect(tab.locator("[data-passkey]")).to_have_count(1)  # "Add a passkey", hidden
        expect(tab.locator("[data-passkey]")).to_be_hidden()
    finally:
        context.close()
