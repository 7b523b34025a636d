"""deploy/nginx-flaskr.conf in front of gunicorn, tested for real (issue 18, point 9).

gunicorn reads request headers in its worker threads: eight slow clients stop it answering
anyone. The deploy kit puts Debian's nginx in front; this runs the kit's own site file (paths
and ports replaced) with TLS from a certificate made here, and gunicorn with
TRUSTED_PROXIES=1. The slow-connection proof is short here; `make frontdoor` runs it long
(FRONTDOOR_FULL=1: 100 connections sending a header line every 5 s for a minute).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pymongo
import pytest

from flaskr_dev import embedded
from tests.support.database import with_database
from tests.support.live import App, app_env
from tests.support.web import PASSWORD

from .frontdoor import FrontDoor

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FULL = os.environ.get("FRONTDOOR_FULL") == "1"
SLOW_CONNECTIONS = 100
SLOW_SECONDS, SLOW_EVERY = (60, 5) if FULL else (6, 2)

pytestmark = pytest.mark.realdb


@pytest.fixture(scope="module")
def site(real_server, tmp_path_factory):
    """gunicorn (TRUSTED_PROXIES=1, secure cookies) behind nginx; its database."""
    folder = tmp_path_factory.mktemp("frontdoor")
    uri = with_database(real_server, f"flaskr_frontdoor_{uuid.uuid4().hex[:8]}")
    env = app_env(
        uri,
        folder / "instance",
        FLASKR_TRUSTED_PROXIES="1",
        FLASKR_SESSION_COOKIE_SECURE="true",
        FLASKR_REMEMBER_COOKIE_SECURE="true",
    )
    app = App(port=embedded.free_port(), log=folder / "gunicorn.log", env=env)
    app.start()
    door = FrontDoor(folder / "nginx", app.port)
    try:
        door.start()
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
            yield door, app, client.get_default_database()
            client.drop_database(client.get_default_database().name)
    finally:
        door.stop()
        app.stop()


class Browser:
    """HTTPS through nginx with a cookie jar; sends a same-origin Referer as browsers do."""

    def __init__(self, door: FrontDoor) -> None:
        self.door = door
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent = {"Cookie": jar, **(headers or {})}
        body = None if form is None else urlencode(form)
        if body is not None:
            # Flask-WTF checks the Referer over HTTPS; nginx passes the host without the port.
            sent.setdefault("Referer", "https://127.0.0.1/auth/login")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn = self.door.https()
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            response.text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            self.cookies |= {name: m.value for name, m in SimpleCookie(line).items()}
        return response

    def sign_in(self, username: str, password: str, headers=None):
        page = self.request("GET", "/auth/login", headers=headers)
        token = CSRF_RE.search(page.text).group(1)
        form = {"username": username, "password": password, "csrf_token": token}
        return self.request("POST", "/auth/login", form, headers=headers)

    def register(self, username: str):
        page = self.request("GET", "/auth/register")
        token = CSRF_RE.search(page.text).group(1)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        form_headers = {"Referer": "https://127.0.0.1/auth/register"}
        return self.request("POST", "/auth/register", form, headers=form_headers)


def test_the_health_routes_answer_through_it(site):
    door, _, _ = site
    for path in ("/healthz", "/readyz"):
        response = Browser(door).request("GET", path)
        assert (response.status, response.text.strip()) == (200, '{"status":"ok"}'), path


def test_plain_http_is_sent_to_https(site):
    door, _, _ = site
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", door.http_port, timeout=10)
    conn.request("GET", "/user?x=1")
    response = conn.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == "https://127.0.0.1/user?x=1"
    conn.close()


def test_https_gives_secure_cookies_and_hsts(site):
    door, _, _ = site
    # Registering signs in too; a second browser signs in through the form.
    assert Browser(door).register("carol").status == 302
    browser = Browser(door)
    response = browser.sign_in("carol", PASSWORD)
    assert response.status == 302, response.text
    cookies = response.headers.get_all("Set-Cookie")
    assert cookies and all("; Secure" in c for c in cookies), cookies
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert browser.request("GET", "/user").status == 200


def test_a_forged_x_forwarded_for_changes_nothing(site):
    door, app, db = site
    assert Browser(door).register("dave").status == 302
    forged = {"X-Forwarded-For": "203.0.113.77"}
    for _ in range(2):
        assert Browser(door).sign_in("dave", "wrong-guess", headers=forged).status == 401
    # The throttle counted the address nginx saw...
    counters = {c["_id"] for c in db.login_failures.find({"_id": {"$regex": "^ip:"}})}
    assert counters == {"ip:127.0.0.1"}
    # ...and the audit trail and the request log recorded it too.
    events = list(db.auth_events.find({"event": "sign_in_failed"}))
    assert events and {e["ip"] for e in events} == {"127.0.0.1"}
    log = app.log_text()
    assert "203.0.113.77" not in log
    assert "sign_in_failed" in log and "client_ip=127.0.0.1" in log


def test_bodies_over_the_limit_stop_at_nginx(site):
    door, app, _ = site
    before = app.log_text().count("path=/auth/login")
    response = Browser(door).request(
        "POST", "/auth/login", {"username": "x", "password": "p" * (100 * 1024)}
    )
    assert response.status == 413
    # gunicorn never saw it.
    assert app.log_text().count("path=/auth/login") == before


def test_static_files_come_from_nginx(site):
    door, _, _ = site
    response = Browser(door).request("GET", "/static/style.css")
    assert response.status == 200
    # `expires 7d` and `add_header Cache-Control public` in the site.
    assert set(response.headers.get_all("Cache-Control")) == {"max-age=604800", "public"}


def test_slow_connections_do_not_stop_ordinary_requests(site):
    door, _, _ = site
    assert Browser(door).register("erin").status == 302
    slow = [door.slow_socket() for _ in range(SLOW_CONNECTIONS)]
    stop = threading.Event()

    def trickle() -> None:
        # One more header line on each slow connection every SLOW_EVERY seconds.
        n = 0
        while not stop.wait(SLOW_EVERY):
            n += 1
            for conn in slow:
                # nginx may drop a client that is too slow: that is its job.
                with contextlib.suppress(OSError):
                    conn.sendall(f"X-Slow-{n}: {n}\r\n".encode())

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    answered = []
    try:
        deadline = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < deadline:
            browser = Browser(door)
            answered.append(browser.request("GET", "/healthz").status)
            answered.append(browser.sign_in("erin", PASSWORD).status)
            answered.append(browser.request("GET", "/user").status)
            time.sleep(0.5)
    finally:
        stop.set()
        trickler.join(SLOW_EVERY + 5)
        for conn in slow:
            conn.close()
    assert answered and set(answered) == {200, 302}, answered
