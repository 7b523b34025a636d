"""Every page the app serves passes axe-core with no serious or critical violation.

The pages are found in the app's URL map, so a page added later is checked without editing
this file; the states a person meets (errors, messages, error pages) are visited by hand.
"""

from __future__ import annotations

import pytest

from tests.support.web import PASSWORD

from .browser import expect, skip_without_tools
from .test_flows import press, sign_in

skip_without_tools()
pytestmark = pytest.mark.realdb

# Routes a browser never visits as pages: static files and JSON (the API, the probes).
NOT_PAGES = ("/static/", "/api/", "/healthz", "/readyz")


def html_pages(live_server) -> list[str]:
    """Paths of the GET routes without URL arguments, except static files and JSON."""
    return sorted(
        {
            rule.rule
            for rule in live_server.app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(NOT_PAGES)
        }
    )


def answers_html(page, path: str) -> bool:
    """Whether GET `path` (with this page's cookies) answers HTML."""
    answer = page.request.get(path, max_redirects=0)
    return answer.headers.get("content-type", "").startswith("text/html")


def visit_all(page, a11y, paths: list[str]) -> list[str]:
    """Load and check each path that answers HTML; return the final URLs checked."""
    seen = []
    for path in paths:
        if not answers_html(page, path):
            continue
        page.goto(path)
        a11y(page)
        seen.append(page.url)
    return seen


def test_every_page_signed_out(page, a11y, live_server):
    paths = html_pages(live_server)
    assert {"/", "/auth/login", "/auth/register", "/user"} <= set(paths)
    seen = visit_all(page, a11y, paths)
    assert len(seen) == len(paths)


def test_every_page_signed_in(page, a11y, live_server):
    username = live_server.create_user()
    sign_in(page, a11y, username, path="/auth/login")
    seen = visit_all(page, a11y, html_pages(live_server))
    assert any(url.endswith("/user") for url in seen)


def test_error_page(page, a11y):
    answer = page.goto("/no-such-page")
    assert answer.status == 404
    a11y(page)


def test_refused_form_page(page, a11y):
    page.goto("/auth/login")
    a11y(page)
    # A stale or forged CSRF token gets the 400 page, in the site's layout.
    page.locator("input[name=csrf_token]").evaluate("el => el.value = 'forged'")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert nav.value.status == 400
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_form_with_every_field_wrong(page, a11y):
    page.goto("/auth/register")
    a11y(page)
    press(page, "Create account")
    a11y(page)
    expect(page.locator(".error")).to_have_count(2)
