"""Pages made for a signed-in user are never cached (issue 18, point 5)."""

from __future__ import annotations

import pytest

SIGNED_IN_PAGES = ["/user", "/account", "/", "/no-such-page"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_say_no_store(client, auth, path):
    auth.register()
    auth.login()
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_sign_in_answer_says_no_store(client, auth):
    auth.register()
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_out_pages_may_be_cached(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_static_files_stay_cacheable_when_signed_in(client, auth):
    auth.register()
    auth.login()
    response = client.get("/static/style.css")
    response.close()  # a file response
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_after_signing_out_the_page_is_no_longer_marked(client, auth):
    auth.register()
    auth.login()
    auth.logout()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
