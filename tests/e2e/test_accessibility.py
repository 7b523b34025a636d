"""Every page the app serves passes axe-core with no serious or critical violation, and fits
the screen of a laptop and of a phone (nothing wider than the viewport).

The pages are found in the app's URL map, so a page added later is checked without editing
this file; the states a person meets (errors, messages, error pages) are visited by hand.
"""

from __future__ import annotations

import pytest

from tests.support.web import PASSWORD

from .browser import VIEWPORTS, expect, skip_without_tools, too_wide
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


def checked(page, a11y) -> None:
    """axe on the page as it is now, and nothing on it wider than the screen."""
    a11y(page)
    assert too_wide(page) == [], f"{page.url} at {page.viewport_size['width']} px"


def visit_all(page, a11y, paths: list[str]) -> list[str]:
    """Load and check each path that answers HTML; return the final URLs checked."""
    seen = []
    for path in paths:
        if not answers_html(page, path):
            continue
        page.goto(path)
        checked(page, a11y)
        seen.append(page.url)
    return seen


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browse):
    """A tab as wide as a laptop's or a phone's screen."""
    return browse.open(viewport=VIEWPORTS[request.param])


def test_every_page_signed_out(screen, a11y, live_server):
    paths = html_pages(live_server)
    assert {"/", "/auth/login", "/auth/register", "/user"} <= set(paths)
    seen = visit_all(screen, a11y, paths)
    assert len(seen) == len(paths)


def test_every_page_signed_in(screen, a11y, live_server):
    username = live_server.create_user()
    sign_in(screen, a11y, username, path="/auth/login")
    seen = visit_all(screen, a11y, html_pages(live_server))
    assert any(url.endswith("/user") for url in seen)


def test_error_page(screen, a11y):
    answer = screen.goto("/no-such-page")
    assert answer.status == 404
    checked(screen, a11y)
    expect(screen.get_by_text("That page does not exist.")).to_be_visible()
    expect(screen.get_by_role("link", name="Go to the start page")).to_be_visible()


def test_an_expired_form_is_shown_again(screen, a11y):
    screen.goto("/auth/login")
    a11y(screen)
    # A stale or forged CSRF token: nothing is done, the form comes back saying why.
    screen.locator("input[name=csrf_token]").evaluate("el => el.value = 'forged'")
    screen.get_by_label("Username").fill("someone")
    screen.get_by_label("Password", exact=True).fill(PASSWORD)
    press(screen, "Sign in")
    checked(screen, a11y)
    expect(screen).to_have_title("Error: Sign in · flaskr")
    expect(screen.locator("#error-summary")).to_be_focused()
    expect(screen.locator("#error-summary")).to_contain_text(
        "This form has expired. Please try again."
    )
    expect(screen.get_by_label("Username")).to_be_visible()


def test_form_with_every_field_wrong(screen, a11y):
    screen.goto("/auth/register")
    a11y(screen)
    press(screen, "Create account")
    checked(screen, a11y)
    expect(screen.locator(".field .error")).to_have_count(2)
    expect(screen.locator("#error-summary li")).to_have_count(2)
