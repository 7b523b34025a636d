"""The footer's language switch in a real browser: the page comes back in the chosen language,
the choice outlives the tab, and the browser's own language is the starting point."""

from __future__ import annotations

import pytest

from .browser import expect, skip_without_tools
from .test_flows import press, sign_in

skip_without_tools()
pytestmark = pytest.mark.realdb


def test_the_switch_changes_the_page_and_is_remembered(browse, a11y):
    page = browse.open(locale="en-GB")
    page.goto("/auth/register?next=/user")
    a11y(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    footer = page.locator("footer")
    expect(footer.get_by_role("group", name="Language")).to_be_visible()
    press(page, "Deutsch")
    a11y(page)
    # Back on the same page, query string and all, now in German.
    assert page.url.endswith("/auth/register?next=/user")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ein Konto erstellen")
    expect(footer.get_by_role("button", name="Deutsch")).to_have_attribute("aria-current", "true")
    # The Show button of the password field speaks the page's language (flaskr.js).
    expect(page.get_by_role("button", name="Anzeigen Passwort")).to_be_visible()
    # A later visit remembers the choice.
    page.goto("/")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen bei flaskr")


def test_the_browser_language_is_the_first_guess(browse, a11y):
    page = browse.open(locale="nl-NL")
    page.goto("/auth/login")
    a11y(page)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    press(page, "English")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_a_signed_in_choice_survives_signing_out(browse, a11y, live_server):
    username = live_server.create_user()
    page = browse.open()
    sign_in(page, a11y, username, path="/auth/login")
    press(page, "Nederlands")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw account")
    with live_server.app.app_context():
        from flaskr.identity import users

        assert users.language_of(users.find_user(username)) == "nl"
    press(page, "Uitloggen")
    a11y(page)
    expect(page.locator(".flashes")).to_contain_text("U bent uitgelogd.")
