"""The landing page, the user page and the site layout."""

from __future__ import annotations

import re

from flaskr.web.filters import when
from tests.support.users import add_user
from tests.support.web import PASSWORD, csrf_token, page_text


def test_landing_signed_out(client):
    response = client.get("/")
    assert response.status_code == 200
    page = page_text(response)
    assert 'href="/auth/login"' in page
    assert 'href="/auth/register"' in page
    assert 'href="/user"' not in page
    assert "Sign out" not in page


def test_landing_says_what_the_site_is_for(client):
    page = page_text(client.get("/"))
    assert "<h1>Welcome to flaskr</h1>" in page
    assert '<p class="lead">Your account for this site' in page


def test_landing_signed_in(client, auth):
    auth.register()
    page = page_text(client.get("/"))
    assert "You are signed in as <strong>alice</strong>." in page
    assert 'href="/user"' in page
    assert 'action="/auth/logout"' in page
    assert 'href="/auth/register"' not in page


def time_element(at) -> str:
    """How a stored time is written in a page: a <time> for flaskr.js, UTC inside."""
    return f'<time datetime="{at.strftime("%Y-%m-%dT%H:%M:%SZ")}">{when(at)}</time>'


def test_user_page(client, auth, db):
    auth.register("Alice")
    page = page_text(client.get("/user"))
    user = db.users.find_one()
    assert "<h1>Your account</h1>" in page
    assert "<dd>Alice</dd>" in page
    assert f"<dd>{time_element(user['created_at'])}</dd>" in page
    assert "This is your first sign-in." in page
    first_login = user["last_login_at"]
    auth.logout()
    auth.login()
    page = page_text(client.get("/user"))
    previous = db.users.find_one()["previous_login_at"]
    assert previous == first_login
    assert f"<dt>Previous sign-in</dt><dd>{time_element(previous)}</dd>" in page
    assert "This is your first sign-in." not in page


def test_user_page_needs_sign_in(client):
    response = client.get("/user")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fuser"
    page = page_text(client.get(response.headers["Location"]))
    assert "Please sign in to see that page." in page


def test_next_from_the_redirect_round_trips(app, client):
    add_user(app)
    location = client.get("/user").headers["Location"]
    assert location.startswith("/auth/login?")
    data = {"username": "alice", "password": PASSWORD}
    data["csrf_token"] = csrf_token(client, location)
    assert client.post(location, data=data).headers["Location"] == "/user"


def test_stylesheet_is_local(client):
    page = page_text(client.get("/"))
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    with client.get("/static/style.css") as css:  # a file response: close it
        assert css.status_code == 200
        assert "@media" in css.get_data(as_text=True)


def test_layout_has_viewport_and_language(client):
    page = page_text(client.get("/auth/login"))
    assert '<html lang="en" ' in page
    assert 'name="viewport"' in page
    assert "<title>Sign in · flaskr</title>" in page
