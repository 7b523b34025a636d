"""The restore drill: a backup taken under a steady write load restores every account and
session acknowledged before it began, none twice, and nothing asked for after it ended."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass

import pymongo
import pytest

from flaskr.config import embedded_uri
from flaskr_dev import embedded
from tests.support.live import App, Browser, Embedded
from tests.support.web import PASSWORD
from tests.test_cli_process import flask

pytestmark = pytest.mark.realdb

WRITERS = 4
BEFORE = 40  # accounts acknowledged before the backup begins
AFTER = 20  # and after it ended, while the load goes on


@dataclass
class Account:
    username: str
    browser: Browser  # signed in: its cookie is the account's session
    asked: float  # when its registration was sent
    acknowledged: float  # when its registration (which signs in) had answered


class Load:
    """Writers that sign up new accounts (signed in at once), one after another, until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.accounts: list[Account] = []
        self.asked: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _write(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            username, browser = f"writer{n}-{i}", Browser()
            i += 1
            asked = time.monotonic()
            self.asked.append((username, asked))
            # Registering signs the new account in: its cookie is the account's session.
            registered = browser.register(self.base, username, PASSWORD)
            if registered.status != 302 or registered.headers.get("Location") != "/user":
                self.errors.append(f"{username}: {registered.status}")
                continue
            self.accounts.append(Account(username, browser, asked, time.monotonic()))

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.accounts) < count:
            assert time.monotonic() < deadline and not self.errors, self.errors
            time.sleep(0.05)


def serving(db: Embedded, tmp_path, name: str) -> App:
    app = App(port=embedded.free_port(), log=tmp_path / f"{name}.log", env=db.env())
    app.start()
    return app


def test_backup_under_load_wipe_restore(tmp_path):
    db = Embedded(tmp_path)
    db.start()
    app = serving(db, tmp_path, "before")
    backups = tmp_path / "backups"
    backups.mkdir()
    try:
        with Load(app.base) as load:
            load.wait_for(BEFORE)
            began = time.monotonic()
            acknowledged = [a for a in load.accounts if a.acknowledged < began]
            done = flask(db.env(), "db", "backup", str(backups))
            ended = time.monotonic()
            load.wait_for(len(load.accounts) + AFTER)
        assert done.returncode == 0, done.stderr
        assert not load.errors, load.errors
    finally:
        app.stop()
        db.stop()
    shutil.rmtree(db.storage)  # the disaster: the database is gone

    (archive,) = backups.iterdir()
    done = flask(db.env(), "db", "restore", str(archive))
    assert done.returncode == 0, done.stderr
    db.start()
    app = serving(db, tmp_path, "after")
    try:
        for account in acknowledged:
            # Its session from before the backup is still valid...
            assert account.browser.get(app.base, "/user").status == 200, account.username
            # ...and the account signs in anew.
            assert Browser().login(app.base, account.username, PASSWORD).status == 302
        with pymongo.MongoClient(embedded_uri(db.instance, db.port)) as client:
            restored = [u["username"] for u in client.flaskr.users.find({}, {"username": 1})]
    finally:
        app.stop()
        db.stop()
    assert len(restored) == len(set(restored))  # none twice
    assert {a.username for a in acknowledged} <= set(restored)
    # One moment of the database: nothing asked for after the backup had ended is in it.
    late = {username for username, asked in load.asked if asked > ended}
    assert late and not late & set(restored)
