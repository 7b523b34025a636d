"""Security headers on every response, from one small `after_request`.

Flask-Talisman would add a dependency for five headers, and its defaults (forcing HTTPS
redirects, its own session cookie settings) fight the app's own configuration; written
out here the policy is readable in one screen and tested header by header.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g

# Only the site's own scripts and styles; no inline script or style, no plugins, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    # HSTS only when the site is served over TLS (secure cookies say so): over plain HTTP
    # the header is ignored, and on localhost it would pin the browser to HTTPS.
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _signed_in():
        # A page made for a signed-in user (its name, sessions, addresses) must not stay in a
        # shared cache or in the browser's history after signing out.
        headers["Cache-Control"] = "no-store"
    return response


def _signed_in() -> bool:
    """Whether this request was answered for a signed-in user (without loading one now)."""
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
