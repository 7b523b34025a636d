"""`python -m flaskr_dev` (what `make run` does), run for real as a user would."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from flaskr_dev import embedded
from tests.support.live import ROOT
from tests.support.web import PASSWORD

pytestmark = pytest.mark.realdb

WAIT = 90  # seconds: the slowest step (first start on a busy machine) stays well under it


def processes_matching(*needles: str) -> list[int]:
    """Pids of live processes whose command line contains every one of `needles`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if state != "Z" and all(n in cmdline for n in needles):
            found.append(int(entry.name))
    return found


class Launcher:
    """One `python -m flaskr_dev` in a process group of its own."""

    def __init__(self, tmp: Path, port: int, db_port: int, instance: Path, name: str) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = tmp / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "FLASKR_MONGO_URI")}
        env.update(
            PORT=str(port),
            EMBEDDED_DB_PORT=str(db_port),
            FLASKR_INSTANCE_PATH=str(instance),
            FLASKR_BCRYPT_ROUNDS="4",
            PYTHONUNBUFFERED="1",
        )
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flaskr_dev"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + WAIT
        while True:
            assert self.proc.poll() is None, f"launcher exited:\n{self.output()}"
            try:
                # S310: the URL is always http://127.0.0.1:<port>/
                with urllib.request.urlopen(self.base + "/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"not serving after {WAIT} s:\n{self.output()}"
            time.sleep(0.3)

    def interrupt(self) -> None:
        """Ctrl-C in the terminal: SIGINT to the whole process group."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)

    def finish(self) -> int:
        try:
            return self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            raise


class Browser:
    """urllib with a cookie jar, reading CSRF tokens from the forms."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def submit(self, url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        status, page = self.get(url)
        assert status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        try:
            with self.opener.open(url, data=body, timeout=15) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, url, e.read().decode()


def assert_nothing_left(launchers, instance: Path, db_port: int) -> None:
    """No gunicorn of these launchers and no database of `instance` runs or listens."""
    for launcher in launchers:
        assert processes_matching("gunicorn", f"127.0.0.1:{launcher.port}") == []
        assert not embedded.port_open(launcher.port)
    assert processes_matching("secantusd", "--port", str(instance / "db")) == []
    assert not embedded.port_open(db_port)


@pytest.fixture
def launchers(tmp_path):
    started: list[Launcher] = []
    yield started
    for launcher in started:
        launcher.interrupt()
    for launcher in started:
        if launcher.proc.poll() is None:
            launcher.finish()
        # Whatever a failed test left of the group (a launcher gone before its children).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher.proc.pid, signal.SIGKILL)
    for pid in processes_matching("secantusd", str(tmp_path)):  # it has a session of its own
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_run_two_launchers_share_database_and_secret(tmp_path, launchers):
    instance = tmp_path / "instance"
    db_port = embedded.free_port()
    first = Launcher(tmp_path, embedded.free_port(), db_port, instance, "first")
    launchers.append(first)
    first.wait_until_serving()
    assert "Starting the embedded database" in first.output()
    assert (instance / "secret_key").is_file()
    assert (instance / "db").is_dir()

    browser = Browser()
    status, url, page = browser.submit(
        first.base + "/auth/register", {"username": "Alice", "password": PASSWORD}
    )
    # Registering signs in.
    assert (status, url) == (200, first.base + "/user")
    assert "Welcome, Alice." in page
    assert "<dd>Alice</dd>" in page

    second = Launcher(tmp_path, embedded.free_port(), db_port, instance, "second")
    launchers.append(second)
    second.wait_until_serving()
    assert "Using the embedded database already running" in second.output()
    # The cookie made by the first is valid on the second: same secret key, same database.
    status, page = browser.get(second.base + "/user")
    assert status == 200
    assert "<dd>Alice</dd>" in page

    app_pids = {
        launcher: processes_matching("gunicorn", f"127.0.0.1:{launcher.port}")
        for launcher in (first, second)
    }
    assert all(app_pids.values())
    db_pids = processes_matching("secantusd", "--port", str(instance / "db"))
    assert db_pids

    for launcher in (second, first):
        launcher.interrupt()
    for launcher in (second, first):
        launcher.finish()
    assert "Stopping the embedded database." in first.output()
    assert "Stopping the embedded database." not in second.output()
    assert_nothing_left((first, second), instance, db_port)


def test_the_data_outlives_the_launcher(tmp_path, launchers):
    """A second `make run` finds the same users."""
    instance = tmp_path / "instance"
    db_port = embedded.free_port()
    first = Launcher(tmp_path, embedded.free_port(), db_port, instance, "first")
    launchers.append(first)
    first.wait_until_serving()
    status, _, _ = Browser().submit(
        first.base + "/auth/register", {"username": "bob", "password": PASSWORD}
    )
    assert status == 200
    first.interrupt()
    first.finish()
    assert not embedded.port_open(db_port)

    again = Launcher(tmp_path, embedded.free_port(), db_port, instance, "again")
    launchers.append(again)
    again.wait_until_serving()
    status, url, page = Browser().submit(
        again.base + "/auth/login", {"username": "bob", "password": PASSWORD}
    )
    assert (status, url) == (200, again.base + "/user")
    assert "<dd>bob</dd>" in page


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_launcher_alone_stops_everything_it_started(tmp_path, launchers, sig):
    """`kill` or a closed terminal reaches only the launcher: nothing may outlive it."""
    instance = tmp_path / "instance"
    db_port = embedded.free_port()
    launcher = Launcher(tmp_path, embedded.free_port(), db_port, instance, "only")
    launchers.append(launcher)
    launcher.wait_until_serving()
    assert processes_matching("gunicorn", f"127.0.0.1:{launcher.port}")
    launcher.proc.send_signal(sig)
    assert launcher.finish() == 0
    assert "Stopping the embedded database." in launcher.output()
    assert_nothing_left([launcher], instance, db_port)
