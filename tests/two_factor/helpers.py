"""What the two-factor tests share: codes computed with pyotp at the frozen time, and the
pages' forms filled in like a browser does (CSRF token included)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pyotp

from tests.support.web import PASSWORD, csrf_token, page_text

KEY_RE = re.compile(r'id="totp-key">([A-Z2-7 ]+)</code>')
CODES_RE = re.compile(r"<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>")


def code_at(secret: str, at: datetime, steps: int = 0) -> str:
    """The app's code for `secret` at `at`, moved by `steps` 30-second steps."""
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


def to_step_start(clock) -> None:
    """Move the frozen clock back to the first second of its 30-second step."""
    clock.at = clock.at.replace(microsecond=0) - timedelta(seconds=int(clock.at.timestamp()) % 30)


def turned_on(app, clock, username: str = "alice") -> tuple[str, list[str]]:
    """A new account with two-factor sign-in turned on through the one door at the frozen
    time: (its secret, its recovery codes)."""
    from flaskr.identity import accounts
    from flaskr.identity.audit import Actor
    from flaskr.web.context import settings

    actor = Actor.self("198.51.100.7", "pytest")
    with app.test_request_context():
        rules = settings()
        user = accounts.create_account(username, PASSWORD, actor=actor, settings=rules)
        secret = accounts.start_totp_setup(user, settings=rules)
        codes = accounts.enable_totp(user, code_at(secret, clock.at), actor=actor, settings=rules)
    assert codes
    return secret, codes


def at_once(count: int, attempt: Callable[[], object]) -> list[object]:
    """What `attempt()` returns in each of `count` threads released together."""
    barrier = threading.Barrier(count)
    results = []

    def run():
        barrier.wait()
        results.append(attempt())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class TwoFactorPages:
    """The /account/two-factor pages and the second sign-in steps, as a browser uses them."""

    def __init__(self, client) -> None:
        self.client = client

    def post(
        self, path: str, data: dict | None = None, *, form_page: str = "/account/two-factor", **kw
    ):
        data = {"csrf_token": csrf_token(self.client, form_page), **(data or {})}
        return self.client.post(path, data=data, **kw)

    def reauthenticate(self, password: str = PASSWORD, next: str = "/account/two-factor"):
        page = "/auth/reauthenticate"
        return self.post(page, {"password": password}, form_page=page, query_string={"next": next})

    def start(self) -> str:
        """Set up an authenticator app; return the key read off the setup page."""
        response = self.post("/account/two-factor/totp")
        assert response.status_code == 303, response.headers.get("Location")
        page = self.client.get(response.headers["Location"])
        match = KEY_RE.search(page.get_data(as_text=True))
        assert match, "no key on the setup page"
        return match.group(1).replace(" ", "")

    def confirm(self, code: str):
        return self.post("/account/two-factor/totp/confirm", {"code": code})

    def enable(self, clock) -> tuple[str, list[str]]:
        """Turn two-factor sign-in on at the frozen time; return the key and recovery codes."""
        secret = self.start()
        response = self.confirm(code_at(secret, clock.at))
        assert response.status_code == 200, page_text(response)
        codes = CODES_RE.findall(response.get_data(as_text=True))
        assert codes
        return secret, codes

    def new_codes(self) -> list[str]:
        response = self.post("/account/two-factor/recovery-codes")
        assert response.status_code == 200
        return CODES_RE.findall(response.get_data(as_text=True))

    def disable(self, code: str):
        return self.post("/account/two-factor/disable", {"code": code})

    def code(self, code: str, **kw):
        """The sign-in's second step with a code from the app."""
        data = {"method": "totp", "code": code}
        # The CSRF token is the session's: any form page has it, also with no step pending.
        return self.post("/auth/two-factor", data, form_page="/auth/login", **kw)

    def recovery(self, code: str, **kw):
        data = {"recovery_code": code}
        return self.post("/auth/two-factor/recovery", data, form_page="/auth/login", **kw)
