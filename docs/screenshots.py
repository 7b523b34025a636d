"""`make screenshots`: every page of flaskr in Chromium, on a desktop and on a phone.

Seeds an app on a SecantusDB of its own (alice, with sessions on three devices and a few
weeks of activity), serves it in a thread as the browser tests do, and writes
`docs/screenshots/<page>-desktop.png` (1280 px wide) and `<page>-phone.png` (390 px).
`python -m docs.screenshots [--out DIR] [--mongo-uri URI] [PAGE ...]` takes some pages only.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pymongo

from flaskr import create_app
from flaskr.identity import accounts, clock
from flaskr.identity.audit import Actor
from flaskr.identity.settings import Settings
from flaskr_dev import embedded
from tests.e2e.browser import CHROMIUM_ARGS, VIEWPORTS, chromium_path
from tests.support.database import with_database
from tests.support.served import served
from tests.support.users import sign_in_elsewhere
from tests.support.web import FIREFOX, IPHONE, PASSWORD

OUT = Path(__file__).parent / "screenshots"
USERNAME = "alice"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _press(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def _failed_registration(page: Any) -> None:
    page.get_by_label("Username").fill("a!")
    page.get_by_label("Password", exact=True).fill("sunshine")
    _press(page, "Create account")


def _wrong_password_on_deletion(page: Any) -> None:
    page.get_by_label("Your password").fill("not my password")
    _press(page, "Delete my account")


@dataclass(frozen=True)
class Shot:
    """One page to photograph: where, whether signed in, and what to do there first."""

    name: str
    path: str
    signed_in: bool = False
    then: Callable[[Any], None] | None = None


SHOTS = [
    Shot("home", "/"),
    Shot("register", "/auth/register"),
    Shot("register-errors", "/auth/register", then=_failed_registration),
    Shot("login", "/auth/login"),
    Shot("user", "/user", signed_in=True),
    Shot("account", "/account", signed_in=True),
    Shot("account-errors", "/account", signed_in=True, then=_wrong_password_on_deletion),
    Shot("email", "/account/email", signed_in=True),
    Shot("two-factor", "/account/two-factor", signed_in=True),
    Shot("forgot", "/auth/forgot"),
    Shot("not-found", "/no-such-page"),
    Shot("api-docs", "/api/v1/docs"),
]


def seed(app: Any) -> None:
    """alice: an account made weeks ago, signed in on a phone and a laptop, one wrong guess."""
    now = clock.now()
    with app.app_context():
        clock.use(clock.Frozen(now - timedelta(days=23)))
        try:
            home = Actor.self("203.0.113.24", IPHONE)
            accounts.create_account(
                USERNAME, PASSWORD, actor=home, settings=Settings.from_config(app.config)
            )
        finally:
            clock.use(None)
    for ago, ip, agent, password in [
        (timedelta(days=3, hours=4), "203.0.113.24", IPHONE, PASSWORD),
        (timedelta(days=1, hours=2), "192.0.2.66", FIREFOX, "letmein123"),
        (timedelta(minutes=47), "198.51.100.7", WINDOWS, PASSWORD),
    ]:
        sign_in_elsewhere(
            app,
            USERNAME,
            ip=ip,
            agent=agent,
            password=password,
            remember=agent == IPHONE,
            at=now - ago,
        )


def _signed_in_state(browser: Any, url: str) -> dict:
    """The cookies of a Chromium that signed in as alice through the form."""
    context = browser.new_context(base_url=url)
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _press(page, "Sign in")
    state = context.storage_state()
    context.close()
    return state


def shoot(url: str, out: Path, shots: list[Shot]) -> list[Path]:
    """Photograph `shots` of the app at `url` in both viewports; return the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        state = _signed_in_state(browser, url)
        for kind, viewport in VIEWPORTS.items():
            for shot in shots:
                context = browser.new_context(
                    base_url=url,
                    viewport=viewport,
                    is_mobile=kind == "phone",
                    has_touch=kind == "phone",
                    locale="en-GB",
                    timezone_id="Europe/London",
                    storage_state=state if shot.signed_in else None,
                )
                written.append(
                    _photograph(context.new_page(), shot, out / f"{shot.name}-{kind}.png")
                )
                context.close()
        browser.close()
    return written


def _photograph(page: Any, shot: Shot, path: Path) -> Path:
    page.goto(shot.path)
    if shot.then:
        shot.then(page)
    # The API reference is long: its first screen says what it is.
    png = page.screenshot(full_page=shot.name != "api-docs", animations="disabled")
    path.write_bytes(small(png))
    return path


def small(png: bytes) -> bytes:
    """The PNG in 128 colours: a third of the size, and a page's flat colours stay sharp."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


@contextmanager
def database(mongo_uri: str | None) -> Iterator[str]:
    """A fresh database: on the server at `mongo_uri`, or on a SecantusDB started for it."""
    name = f"flaskr_screenshots_{uuid.uuid4().hex[:8]}"
    if mongo_uri:
        yield with_database(mongo_uri, name)
        with pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(name)
        return
    with tempfile.TemporaryDirectory() as folder:
        port = embedded.free_port()
        proc = embedded.start(port, Path(folder) / "data", Path(folder) / "server.log")
        try:
            yield f"mongodb://127.0.0.1:{port}/{name}"
        finally:
            embedded.stop(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="page names (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument("--mongo-uri", help="a real server to use instead of a new SecantusDB")
    args = parser.parse_args(argv)
    known = {shot.name: shot for shot in SHOTS}
    unknown = [name for name in args.pages if name not in known]
    if unknown:
        parser.error(f"unknown page {', '.join(unknown)}; known: {', '.join(known)}")
    if chromium_path() is None:
        parser.error("Chromium not found: apt-get install -y chromium (or set CHROMIUM)")
    shots = [known[name] for name in args.pages] or SHOTS
    with tempfile.TemporaryDirectory() as instance, database(args.mongo_uri) as uri:
        config = {"SECRET_KEY": "screenshots-only-secret-key", "MONGO_URI": uri, "BCRYPT_ROUNDS": 4}
        # A private instance folder: a developer's instance/config.py must not change the pages.
        with patch.dict(os.environ, {"FLASKR_INSTANCE_PATH": instance}):
            app = create_app(config)
        seed(app)
        try:
            with served(app) as url:
                for path in shoot(url, args.out, shots):
                    print(path)
        finally:
            app.extensions["flaskr.mongo"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
