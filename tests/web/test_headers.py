"""Security headers on every response; templates keep to what the CSP allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import flaskr
from tests.support.web import signed_in_client

TEMPLATES = Path(flaskr.__file__).parent / "templates"


def assert_secure_headers(response, hsts: bool = False) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert ("Strict-Transport-Security" in response.headers) is hsts


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/auth/login", 200),
        ("get", "/static/style.css", 200),
        ("get", "/no-such-page", 404),
        ("get", "/auth/logout", 405),
        ("post", "/auth/login", 303),
        ("get", "/user", 302),
    ],
)
def test_every_response_carries_the_headers(client, method, path, status):
    response = getattr(client, method)(path)
    response.close()  # a static file is streamed from an open file
    assert response.status_code == status
    assert_secure_headers(response)


def test_signed_in_pages_carry_them(app, alice):
    assert_secure_headers(signed_in_client(app).get("/account"))


def test_server_errors_carry_them(make_app):
    app = make_app(TESTING=False)  # the 500 handler answers instead of the test raising

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_secure_headers(response)


def test_hsts_when_cookies_are_secure(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/", base_url="https://localhost")
    assert_secure_headers(response, hsts=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_inline_script_or_style(template):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", text, re.I)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", text, re.I)
