"""The single-VM kit in deploy/: gunicorn settings, systemd units, nginx site."""

from __future__ import annotations

import configparser
import json
import os
import re
import runpy

import pytest

from flaskr.config import DEFAULTS
from flaskr_dev import embedded
from tests.support.live import ROOT, Browser
from tests.support.web import PASSWORD

DEPLOY = ROOT / "deploy"


def gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "FLASKR_BIND", "RUNTIME_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("LOG_FORMAT", "FLASKR_LOG_FORMAT", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name)
    return parser


def test_gunicorn_defaults(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert conf["workers"] == (os.cpu_count() or 2)
    assert conf["preload_app"] is True  # a bad config stops the master with one line
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["accesslog"] is None  # flaskr logs requests itself
    assert "%(U)s" in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]
    assert "control_socket" not in conf and "logconfig_dict" not in conf


def test_gunicorn_environment(monkeypatch):
    conf = gunicorn_settings(
        monkeypatch,
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="8",
        FLASKR_BIND="unix:/run/flaskr/app.sock",
        RUNTIME_DIRECTORY="/run/flaskr",
        LOG_FORMAT="json",
    )
    assert (conf["workers"], conf["threads"], conf["bind"]) == (3, 8, "unix:/run/flaskr/app.sock")
    assert conf["control_socket"] == "/run/flaskr/gunicorn.ctl"
    assert conf["logconfig_dict"]["formatters"]["json"]["()"] == "flaskr.web.logs.JsonFormatter"


def test_gunicorn_writes_only_json_lines_when_asked(serve):
    # Requests, a database outage and gunicorn's own start and stop: all JSON.
    app = serve(f"mongodb://127.0.0.1:{embedded.free_port()}/flaskr", LOG_FORMAT="json")
    assert Browser().get(app.base, "/healthz").status == 200
    assert Browser().get(app.base, "/readyz").status == 503
    app.stop()
    records = [json.loads(line) for line in app.log_text().splitlines()]
    loggers = {r["logger"] for r in records}
    assert {"gunicorn.error", "flaskr.request", "flaskr.db"} <= loggers
    assert {"/healthz", "/readyz"} <= {r.get("path") for r in records}


def test_app_unit_runs_gunicorn_with_the_config():
    service = unit("flaskr.service")["Service"]
    assert service["ExecStart"].endswith("gunicorn --config deploy/gunicorn.conf.py wsgi:app")
    assert service["EnvironmentFile"] == "/etc/flaskr/flaskr.env"
    assert service["User"] == "flaskr"
    assert service["RuntimeDirectory"] == "flaskr"


def test_database_unit_listens_on_loopback_syncs_and_requires_credentials():
    service = unit("flaskr-db.service")["Service"]
    command = service["ExecStart"]
    assert "--host 127.0.0.1" in command
    assert "--sync-on-commit" in command
    assert "--auth" in command.split()
    assert unit("flaskr-db.service")["Unit"]["Before"] == "flaskr.service"
    # Its users are made (or their passwords reset) from the app's instance/ before each start.
    assert service["ExecStartPre"].endswith("python -m flaskr_dev provision-db")
    env = dict(pair.split("=", 1) for pair in service["Environment"].split())
    assert (
        env["FLASKR_INSTANCE_PATH"]
        == unit("flaskr.service")["Service"]["Environment"].split("=")[1]
    )
    assert f"--storage-path {env['EMBEDDED_DB_PATH']} " in command
    assert service["StateDirectory"].split() == ["flaskr-db", "flaskr"]


def test_nightly_backup_unit_and_timer():
    from flaskr.backup import backup_command

    timer = unit("flaskr-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 03:15:00"
    assert timer["Timer"]["Persistent"] == "true"
    service = unit("flaskr-backup.service")["Service"]
    assert (service["Type"], service["User"]) == ("oneshot", "flaskr")
    program, *args = service["ExecStart"].split()
    assert program == "/srv/flaskr/.venv/bin/flask"
    assert args[:4] == ["--app", "flaskr", "db", "backup"]
    # The arguments are ones `flask db backup` takes: a folder and how many to keep.
    params = backup_command.make_context("backup", args[4:]).params
    folder = str(params["path"])
    assert (folder, params["keep"]) == ("/var/backups/flaskr", 14)
    # The embedded database writes the archive itself: its sandbox lets it write there.
    assert unit("flaskr-db.service")["Service"]["ReadWritePaths"] == f"-{folder}"
    assert service["ReadWritePaths"] == folder
    assert service["Environment"] == "FLASKR_INSTANCE_PATH=/var/lib/flaskr"


def test_example_environment_turns_on_production():
    lines = (DEPLOY / "flaskr.env.example").read_text().splitlines()
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert settings["FLASKR_PRODUCTION"] == "true"
    assert settings["FLASKR_SESSION_COOKIE_SECURE"] == "true"
    assert settings["FLASKR_TRUSTED_PROXIES"] == "1"
    assert {"FLASKR_SECRET_KEY", "MONGO_URI", "FLASKR_PUBLIC_URL", "LOG_FORMAT"} <= settings.keys()
    assert settings["FLASKR_PUBLIC_URL"].startswith("https://")
    # The flask CLI, run with this file, finds the same instance/ as the app.
    assert settings["FLASKR_INSTANCE_PATH"] == "/var/lib/flaskr"


def test_nginx_body_limit_matches_the_app():
    site = (DEPLOY / "nginx-flaskr.conf").read_text()
    (size,) = re.findall(r"^\s*client_max_body_size (\d+)k;", site, re.M)
    assert int(size) * 1024 == DEFAULTS["MAX_CONTENT_LENGTH"]


def test_nginx_sets_the_client_address_it_saw():
    site = (DEPLOY / "nginx-flaskr.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "listen 443 ssl http2;" in site  # the form Debian 12's nginx 1.22 reads


@pytest.mark.realdb
def test_gunicorn_json_log_has_auth_events_and_no_secrets(serve, mongo_uri):
    app = serve(mongo_uri, LOG_FORMAT="json")
    browser = Browser()
    browser.register(app.base, "alice", PASSWORD)
    browser.login(app.base, "alice", PASSWORD + "x")
    assert browser.login(app.base, "alice", PASSWORD).status == 302
    app.stop()
    log = app.log_text()
    records = [json.loads(line) for line in log.splitlines()]
    audit = [r["event"] for r in records if r["logger"] == "flaskr.audit"]
    # Registering signs in; the wrong password and the right one follow.
    assert audit == ["account_created", "sign_in", "sign_in_failed", "sign_in"]
    assert {r["actor"] for r in records if r["logger"] == "flaskr.audit"} == {"self"}
    for secret in [PASSWORD, *browser.cookies.values()]:
        assert secret not in log
