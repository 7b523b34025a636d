"""Production mode refuses to start without an explicit SECRET_KEY, database and PUBLIC_URL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flaskr import create_app
from flaskr.config import ConfigError
from flaskr_dev.embedded import free_port
from tests.support.live import ROOT, SECRET_KEY, app_env

URI = "mongodb://127.0.0.1:27017/flaskr"
PUBLIC = "https://auth.example.com"
NO_KEY = (
    "flaskr: PRODUCTION is on but no SECRET_KEY is set; set FLASKR_SECRET_KEY "
    "(the same value on every app server)."
)
NO_URI = (
    "flaskr: PRODUCTION is on but MONGO_URI is not set; set MONGO_URI to the database, "
    "e.g. mongodb://127.0.0.1:27017/flaskr (or provision the embedded database, whose "
    "credentials would be in {instance}/db-credentials)."
)
NO_PUBLIC_URL = (
    "flaskr: PRODUCTION is on but PUBLIC_URL is not set; set FLASKR_PUBLIC_URL to the address "
    "people use, e.g. https://auth.example.com (links in e-mail use it)."
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, instance_path):
    for name in (
        "MONGO_URI",
        "FLASKR_MONGO_URI",
        "FLASKR_SECRET_KEY",
        "FLASKR_PRODUCTION",
        "FLASKR_PUBLIC_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_refuses_without_secret_key_and_writes_none(instance_path):
    with pytest.raises(ConfigError) as e:
        create_app({"PRODUCTION": True, "MONGO_URI": URI})
    assert str(e.value) == NO_KEY
    assert e.value.code == NO_KEY  # SystemExit prints it and exits with status 1
    assert not (instance_path / "secret_key").exists()


def test_refuses_without_mongo_uri(instance_path):
    with pytest.raises(ConfigError) as e:
        create_app({"PRODUCTION": True, "SECRET_KEY": SECRET_KEY})
    assert str(e.value) == NO_URI.format(instance=instance_path)


def test_a_provisioned_embedded_database_counts_as_given(instance_path, monkeypatch):
    """deploy/flaskr-db.service: the users' passwords in instance/, EMBEDDED_DB_PORT set."""
    instance_path.mkdir()
    users = {role: {"user": f"u-{role}", "password": f"p/{role}"} for role in ("app", "admin")}
    (instance_path / "db-credentials").write_text(json.dumps(users))
    monkeypatch.setenv("EMBEDDED_DB_PORT", "27017")
    app = create_app({"PRODUCTION": True, "SECRET_KEY": SECRET_KEY, "PUBLIC_URL": PUBLIC})
    assert app.config["MONGO_URI"] == (
        "mongodb://u-app:p%2Fapp@127.0.0.1:27017/flaskr?authSource=admin"
    )


def test_refuses_without_public_url():
    with pytest.raises(ConfigError) as e:
        create_app({"PRODUCTION": True, "SECRET_KEY": SECRET_KEY, "MONGO_URI": URI})
    assert str(e.value) == NO_PUBLIC_URL


@pytest.mark.parametrize(
    "value", ["auth.example.com", "ftp://auth.example.com", "https://", "https://a.example/?x=1"]
)
def test_refuses_a_public_url_that_is_not_an_http_address(value):
    with pytest.raises(ConfigError, match="PUBLIC_URL must be an http"):
        create_app({"PUBLIC_URL": value})


def test_a_public_url_loses_its_trailing_slash():
    app = create_app({"PUBLIC_URL": "https://example.com/auth/", "MONGO_URI": "mongomock://x/x"})
    assert app.config["PUBLIC_URL"] == "https://example.com/auth"


def test_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY is shorter than 32 characters"):
        create_app({"PRODUCTION": True, "SECRET_KEY": "too-short", "MONGO_URI": URI})


def test_starts_with_all_three_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASKR_PRODUCTION", "true")
    monkeypatch.setenv("FLASKR_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("MONGO_URI", URI)
    monkeypatch.setenv("FLASKR_PUBLIC_URL", PUBLIC)
    app = create_app()
    assert app.config["PRODUCTION"] is True
    assert (app.config["SECRET_KEY"], app.config["MONGO_URI"]) == (SECRET_KEY, URI)
    assert app.config["PUBLIC_URL"] == PUBLIC


def test_starts_with_all_three_from_instance_config(instance_path):
    instance_path.mkdir()
    (instance_path / "config.py").write_text(
        f"PRODUCTION = True\nSECRET_KEY = {SECRET_KEY!r}\nMONGO_URI = {URI!r}\n"
        f"PUBLIC_URL = {PUBLIC!r}\n"
    )
    assert create_app().config["MONGO_URI"] == URI


def test_gunicorn_refuses_to_start_with_one_line(tmp_path):
    env = app_env(URI, tmp_path / "instance", FLASKR_PRODUCTION="true")
    del env["FLASKR_SECRET_KEY"]
    args = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
    args += ["--no-control-socket", "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == NO_KEY + "\n"
