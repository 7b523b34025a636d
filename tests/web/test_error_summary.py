"""After a failed form: "Error:" in the title, a summary at the top that links each problem to
its field and takes focus, and every problem of a field shown at once (GOV.UK's pattern)."""

from __future__ import annotations

import re

from flaskr import messages
from tests.support.web import PASSWORD, AuthActions, csrf_token, page_text, signed_in_client

SUMMARY = re.compile(r'<div class="error-summary" id="error-summary" tabindex="-1" autofocus>')


def summary_items(page: str) -> list[str]:
    """The summary's list items as written (links included), in order."""
    start = page.index('id="error-summary"')
    block = page[start : page.index("</ul>", start)]
    return [item.strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_a_form_without_problems_has_no_summary(client):
    page = page_text(client.get("/auth/register"))
    assert "error-summary" not in page
    assert "<title>Create an account · flaskr</title>" in page


def test_every_problem_of_every_field_is_listed_and_linked(auth):
    page = page_text(auth.register("a!", "ab"))
    assert "<title>Error: Create an account · flaskr</title>" in page
    assert SUMMARY.search(page)
    items = summary_items(page)
    assert items[:3] == [
        '<a href="#username">Username must be 3 to 32 characters long.</a>',
        "<a href=\"#username\">Username may contain only letters, digits, '.', '_' and '-'.</a>",
        '<a href="#password">Password must be at least 8 characters long.</a>',
    ]
    assert len(items) == 4  # and zxcvbn's verdict on "ab"
    # Beside the field too, each problem on its own line, before the input.
    field = page[page.index('id="username-error"') : page.index('name="username"')]
    assert field.count('<span><span class="visually-hidden">Error: </span>') == 2


def test_the_summary_comes_before_the_heading(auth):
    page = page_text(auth.register("a!", PASSWORD))
    assert page.index('id="error-summary"') < page.index("<h1>")


def test_a_page_level_error_is_in_the_summary_once(auth, alice):
    page = page_text(auth.login("alice", "wrong-" + PASSWORD))
    assert "<title>Error: Sign in · flaskr</title>" in page
    assert summary_items(page) == [messages.INCORRECT_LOGIN]
    assert page.count(messages.INCORRECT_LOGIN) == 1


def test_the_account_page_links_the_wrong_password_to_its_field(app, alice):
    laptop = signed_in_client(app)
    data = {"password": "not-it", "csrf_token": csrf_token(laptop, "/account")}
    page = page_text(laptop.post("/account/delete", data=data))
    assert "<title>Error: Settings · flaskr</title>" in page
    assert summary_items(page) == [f'<a href="#password">{messages.WRONG_CURRENT_PASSWORD}</a>']


def test_a_throttled_confirmation_is_in_the_summary(make_app):
    app = make_app(LOGIN_MAX_FAILURES=1)
    AuthActions(app.test_client()).register()
    laptop = signed_in_client(app)
    for _ in range(2):
        data = {"password": "guess", "csrf_token": csrf_token(laptop, "/account")}
        response = laptop.post("/account/delete", data=data)
    assert response.status_code == 429
    page = page_text(response)
    assert "<title>Error: Settings · flaskr</title>" in page
    assert summary_items(page) == [messages.too_many_attempts(900)]


def test_no_template_shows_the_page_error_itself():
    """base.html puts `error` in the summary: a page that also shows it says it twice."""
    from pathlib import Path

    import flaskr

    templates = Path(flaskr.__file__).parent / "templates"
    for path in templates.rglob("*.html"):
        if path.name != "base.html":
            assert "{{ error }}" not in path.read_text(), path
