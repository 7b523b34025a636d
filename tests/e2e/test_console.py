"""Pages load cleanly in a browser that enforces their Content-Security-Policy.

The other browser tests bypass CSP so axe can be injected; this one does not, and injects
nothing: a page whose own markup breaks its policy (an inline script or style), logs an error
in the console or raises an issue in Chromium's DevTools Issues panel (a form field without an
id or name, for one) fails here.
"""

from __future__ import annotations

import pytest

from .browser import skip_without_tools
from .conftest import strict_tab
from .test_accessibility import answers_html, html_pages

skip_without_tools()
pytestmark = pytest.mark.realdb


@pytest.fixture
def strict_page(browser, live_server):
    with strict_tab(browser, live_server.url) as tab:
        tab.page.problems = tab.problems
        yield tab.page


def sign_in_plainly(page, username: str, password: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_pages_load_without_console_errors(strict_page, live_server, signed_in):
    from tests.support.web import PASSWORD

    if signed_in:
        username = live_server.create_user()
        # An administrator, so the admin pages answer (the enrol page, without a second
        # factor) rather than 403, which Chromium reports as a failed load.
        live_server.db.users.update_one({"username": username}, {"$set": {"roles": ["admin"]}})
        sign_in_plainly(strict_page, username, PASSWORD)
        assert strict_page.url.endswith("/user")
    visited = []
    for path in html_pages(live_server):
        # Pages this visitor may open: a 403 (the admin area for a non-admin) is logged by
        # Chromium as a failed resource, and error pages have their own tests.
        if answers_html(strict_page, path) and strict_page.request.get(path).status == 200:
            strict_page.goto(path)
            visited.append(path)
    assert visited
    assert strict_page.problems == [], f"console errors on {visited}: {strict_page.problems}"
