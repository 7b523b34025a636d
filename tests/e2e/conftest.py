"""Fixtures for the real-browser tests: a live server, Chromium, and axe on every page.

The app runs in a real WSGI server (werkzeug, threaded) on a free 127.0.0.1 port, backed by
the real server of the `real_server` fixture. Chromium is Debian's (`/usr/bin/chromium`, or
`CHROMIUM=path`), driven by Playwright. Without it the tests skip with one line saying how to
install it; under `CI=true` a missing browser or axe-core fails the run instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymongo
import pytest
from flask import Flask

from flaskr import create_app
from flaskr.identity import users
from tests.support.database import with_database
from tests.support.served import serving
from tests.support.web import PASSWORD

from .browser import AXE, CHROMIUM_ARGS, chromium_path, require_tools

# axe impacts that fail a page; "minor" and "moderate" findings are printed, not failed.
BLOCKING = ("serious", "critical")
TIMEOUT_MS = 15_000


@dataclass
class LiveServer:
    """The app served on a real socket, and its database for direct setup and checks."""

    app: Flask
    url: str
    db: Any

    def has_route(self, rule: str) -> bool:
        return any(r.rule == rule for r in self.app.url_map.iter_rules())

    def create_user(self, username: str | None = None, password: str = PASSWORD) -> str:
        """Create an account directly through the user store; return its username."""
        username = username or f"e2e-{uuid.uuid4().hex[:10]}"
        with self.app.app_context():
            users.create_user(username, password, self.app.config["BCRYPT_ROUNDS"])
        return username


@contextmanager
def live(real_server: str, instance: Path, host: str = "127.0.0.1") -> Iterator[LiveServer]:
    """The app in a threaded werkzeug server on a free loopback port, on its own database,
    browsed as http://HOST:PORT; a `host` other than the address is also its PUBLIC_URL
    (WebAuthn needs a name: `localhost`)."""
    name = f"flaskr_e2e_{uuid.uuid4().hex[:12]}"
    uri = with_database(real_server, name)
    config = {
        "SECRET_KEY": "e2e-only-secret-key",
        "MONGO_URI": uri,
        "MONGO_TIMEOUT_MS": 3000,
        "BCRYPT_ROUNDS": 4,
    }
    made: list[Flask] = []

    def make(url: str) -> Flask:
        if host != "127.0.0.1":
            config["PUBLIC_URL"] = url
        with pytest.MonkeyPatch.context() as mp:
            # A private instance folder: a developer's instance/config.py must not leak in.
            mp.setenv("FLASKR_INSTANCE_PATH", str(instance))
            made.append(create_app(config))
        return made[0]

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        with serving(make, host) as (app, url):
            yield LiveServer(app, url, client[name])
    finally:
        # Once the server has stopped: a request still in flight would open a new client.
        for app in made:
            app.extensions["flaskr.mongo"].close()
        client.drop_database(name)
        client.close()


@pytest.fixture(scope="session")
def live_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    """The app in a threaded werkzeug server on a free loopback port, on its own database."""
    require_tools()
    real_server = request.getfixturevalue("real_server")
    with live(real_server, tmp_path_factory.mktemp("e2e-instance")) as served:
        yield served


@pytest.fixture(scope="module")
def passkey_server(request, tmp_path_factory):
    """The app served as http://localhost:PORT, which is also its PUBLIC_URL (WebAuthn refuses
    IP-address hosts): one for each test module that asks (the passkey tests)."""
    require_tools()
    real_server = request.getfixturevalue("real_server")
    with live(real_server, tmp_path_factory.mktemp("passkeys"), host="localhost") as served:
        yield served


@pytest.fixture(scope="session")
def browser(live_server) -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Checked:
    """Tracks page loads in one tab: every page loaded must be checked with axe."""

    page: Any
    pending: str | None = None
    missed: list[str] = field(default_factory=list)

    def loaded(self, _page: Any) -> None:
        if self.pending is not None:
            self.missed.append(self.pending)
        self.pending = self.page.url

    def check(self) -> None:
        """Run axe on the current page; fail on any serious or critical violation."""
        violations = self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map(n => n.target.join(" ")),
                }));
            }"""
        )
        self.pending = None
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        for v in violations:
            if v not in blocking:
                print(f"axe {v['impact']}: {v['id']} on {self.page.url}: {v['help']}")
        assert not blocking, f"axe on {self.page.url}: " + "; ".join(
            f"{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['targets'])}" for v in blocking
        )


class Browser:
    """Opens tabs in fresh browser profiles (contexts); each tab checks pages with axe."""

    def __init__(self, chromium: Any, base_url: str) -> None:
        self.chromium = chromium
        self.base_url = base_url
        self.contexts: list[Any] = []
        self.tabs: list[Checked] = []

    def open(self, storage_state: dict | None = None, **options: Any) -> Any:
        """A new tab in a new context; `storage_state` restores saved cookies, `options` go to
        Playwright's new_context (viewport, timezone_id, locale, java_script_enabled, ...)."""
        # bypass_csp: axe is injected as a script, which a strict CSP would refuse.
        context = self.chromium.new_context(
            base_url=self.base_url, bypass_csp=True, storage_state=storage_state, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(path=str(AXE))
        self.contexts.append(context)
        page = context.new_page()
        tab = Checked(page)
        page.on("load", tab.loaded)
        self.tabs.append(tab)
        return page

    def check(self, page: Any) -> None:
        """Run axe on `page`'s current document."""
        next(tab for tab in self.tabs if tab.page is page).check()

    def close(self, check: bool = True) -> None:
        for context in self.contexts:
            context.close()
        missed = [url for tab in self.tabs for url in (*tab.missed, tab.pending) if url]
        assert not (check and missed), f"pages loaded but never checked with axe: {missed}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_call_failed = report.failed
    return report


@dataclass
class Watched:
    """A tab that enforces the pages' Content-Security-Policy and injects nothing (no axe):
    the console and script errors and DevTools issues it met, and every URL it asked for."""

    page: Any
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def only_from(self, origin: str) -> bool:
        return all(url.startswith(origin) for url in self.requests)


@contextmanager
def strict_tab(browser: Any, url: str) -> Iterator[Watched]:
    """A watched tab on `url`, in a context of its own, closed at the end."""
    context = browser.new_context(base_url=url)
    tab = Watched(context.new_page())
    page, problems = tab.page, tab.problems
    page.on(
        "console",
        lambda m: problems.append(f"{m.location['url']}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: tab.requests.append(r.url))
    # Chromium's DevTools Issues panel (a form field without an id or name, for one).
    devtools = context.new_cdp_session(page)
    devtools.on("Audits.issueAdded", lambda e: problems.append(f"{page.url}: {e['issue']}"))
    devtools.send("Audits.enable")
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def site(live_server) -> LiveServer:
    """The server the tabs browse; a test module may serve the app another way."""
    return live_server


@pytest.fixture
def browse(browser, site, request) -> Iterator[Browser]:
    """Opens tabs; at the end, fails the test if a page it loaded was not checked by axe."""
    opened = Browser(browser, site.url)
    yield opened
    # A test that failed midway left its last page unchecked: that is not news.
    opened.close(check=not getattr(request.node, "e2e_call_failed", False))


@pytest.fixture
def page(browse):
    return browse.open()


@pytest.fixture
def a11y(browse):
    """`a11y(page)` checks the page's current document with axe."""
    return browse.check
