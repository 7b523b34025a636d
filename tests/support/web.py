"""The site as a browser uses it: forms with their CSRF token, cookies, signed-in clients."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

PASSWORD = "violet-harbour-88-tundra"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def csrf_token(client, path: str = "/auth/login") -> str:
    """Read the CSRF token from a form page, as a browser would (a signed-in browser asking for
    the sign-in page lands on its user page, whose sign-out form has the same token)."""
    page = client.get(path, follow_redirects=True)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Register, sign in and sign out through the real forms, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def register(self, username: str = "alice", password: str = PASSWORD, **kw):
        data = {
            "username": username,
            "password": password,
            "csrf_token": csrf_token(self.client, "/auth/register"),
        }
        return self.client.post("/auth/register", data=data, **kw)

    def login(
        self,
        username: str = "alice",
        password: str = PASSWORD,
        *,
        remember=False,
        next: str | None = None,
        **kw,
    ):
        data = {"username": username, "password": password, "csrf_token": csrf_token(self.client)}
        if remember:
            data["remember"] = "y"
        url = "/auth/login" if next is None else "/auth/login?" + urlencode({"next": next})
        return self.client.post(url, data=data, **kw)

    def logout(self, **kw):
        return self.client.post(
            "/auth/logout", data={"csrf_token": csrf_token(self.client, "/")}, **kw
        )


def page_text(response) -> str:
    """The response body as a reader sees it (HTML entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def signed_in(client) -> bool:
    """Whether `client` may see its user page."""
    return client.get("/user").status_code == 200


def session_token(app, client) -> str | None:
    """The sign-in token inside `client`'s Flask session cookie, or None."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return None
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return data.get("_user_id")


def copy_cookies(source, target, names=("session", "remember_token")) -> None:
    """Give `target` (a test client) the named cookies of `source`, like a stolen copy."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def post_login(client, username: str, password: str, ip: str = "198.51.100.7", **data):
    """Post the sign-in form from address `ip`, CSRF token read from the page first."""
    env = {"REMOTE_ADDR": ip}
    token = csrf_token(client)
    form = {"username": username, "password": password, "csrf_token": token, **data}
    return client.post("/auth/login", data=form, environ_base=env)


def signed_in_client(app, username: str = "alice", password: str = PASSWORD, **kw):
    """A new browser (its own cookies, address and user agent) signed in as `username`."""
    ip = kw.pop("ip", "198.51.100.7")
    agent = kw.pop("agent", FIREFOX)
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent})
    response = post_login(client, username, password, ip=ip, **kw)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
