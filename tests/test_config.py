"""The app factory: config layering, the secret key kept in instance/, no I/O at creation."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from flaskr import create_app, db
from flaskr.config import DEFAULTS, ConfigError, instance_secret_key


@pytest.fixture
def clean_env(monkeypatch):
    """No MONGO_URI or FLASKR_* settings from the shell leak into these tests."""
    for name in ("MONGO_URI", "EMBEDDED_DB_PORT", "EMBEDDED_DB_PATH"):
        monkeypatch.delenv(name, raising=False)
    for key in list(os.environ):
        if key.startswith("FLASKR_") and key != "FLASKR_INSTANCE_PATH":
            monkeypatch.delenv(key)


def test_defaults(clean_env, instance_path):
    app = create_app()
    for key, value in DEFAULTS.items():
        if key != "MONGO_URI":  # None in DEFAULTS: the embedded database's URI, made below
            assert app.config[key] == value, key
    assert app.config["MONGO_URI"] == "mongodb://127.0.0.1:27018/flaskr"
    assert app.config["BCRYPT_ROUNDS"] == 12
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert not app.testing


def test_config_order(clean_env, instance_path, monkeypatch):
    """defaults < instance/config.py < FLASKR_* env < test_config."""
    instance_path.mkdir(parents=True)
    (instance_path / "config.py").write_text(
        "SESSION_IDLE_MINUTES = 11\nSESSION_MAX_HOURS = 11\nREMEMBER_DAYS = 11\n"
    )
    monkeypatch.setenv("FLASKR_SESSION_MAX_HOURS", "22")
    monkeypatch.setenv("FLASKR_REMEMBER_DAYS", "22")
    app = create_app({"REMEMBER_DAYS": 33})
    assert app.config["MONGO_TIMEOUT_MS"] == DEFAULTS["MONGO_TIMEOUT_MS"]
    assert app.config["SESSION_IDLE_MINUTES"] == 11
    assert app.config["SESSION_MAX_HOURS"] == 22
    assert app.config["REMEMBER_DAYS"] == 33
    # The remember-me cookie's lifetime follows the final value.
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 33


def test_env_values_are_parsed_as_json(clean_env, instance_path, monkeypatch):
    monkeypatch.setenv("FLASKR_BCRYPT_ROUNDS", "10")
    monkeypatch.setenv("FLASKR_SESSION_COOKIE_SECURE", "true")
    app = create_app()
    assert app.config["BCRYPT_ROUNDS"] == 10
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_mongo_uri_from_plain_env(clean_env, instance_path, monkeypatch):
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/plain")
    assert create_app().config["MONGO_URI"] == "mongodb://db.example:27017/plain"


def test_prefixed_mongo_uri_wins_over_plain(clean_env, instance_path, monkeypatch):
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/plain")
    monkeypatch.setenv("FLASKR_MONGO_URI", "mongodb://db.example:27017/prefixed")
    assert create_app().config["MONGO_URI"] == "mongodb://db.example:27017/prefixed"


def test_test_config_wins_over_mongo_uri_env(clean_env, instance_path, monkeypatch):
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/plain")
    app = create_app({"MONGO_URI": "mongomock://localhost/given"})
    assert app.config["MONGO_URI"] == "mongomock://localhost/given"


def test_instance_path_from_env(clean_env, instance_path):
    assert create_app().instance_path == str(instance_path)


def test_secret_key_generated_once_with_mode_0600(clean_env, instance_path):
    first = create_app()
    key_file = instance_path / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32
    assert first.secret_key == key
    # A second process (or a restart) reuses it: sessions survive and are shared.
    second = create_app()
    assert second.secret_key == key
    assert key_file.read_text().strip() == key


def test_secret_key_differs_per_instance(clean_env, tmp_path):
    assert instance_secret_key(tmp_path / "a") != instance_secret_key(tmp_path / "b")


def test_given_secret_key_writes_no_file(clean_env, instance_path):
    app = create_app({"SECRET_KEY": "given-in-config"})
    assert app.secret_key == "given-in-config"
    assert not (instance_path / "secret_key").exists()


def test_secret_key_from_env(clean_env, instance_path, monkeypatch):
    monkeypatch.setenv("FLASKR_SECRET_KEY", "given-in-env")
    assert create_app().secret_key == "given-in-env"
    assert not (instance_path / "secret_key").exists()


def test_secret_key_created_once_by_concurrent_starts(tmp_path):
    barrier = threading.Barrier(8)
    keys = []

    def start():
        barrier.wait(10)
        keys.append(instance_secret_key(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(keys) == 8
    assert set(keys) == {(tmp_path / "secret_key").read_text().strip()}


def test_empty_secret_key_file_is_an_error(tmp_path):
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="is empty"):
        instance_secret_key(tmp_path)


def test_create_app_does_not_touch_the_database(clean_env, instance_path, monkeypatch):
    made = []
    monkeypatch.setattr(db, "make_client", lambda *a, **kw: made.append(a))
    # Nothing listens on this address; connecting would fail or hang.
    app = create_app({"MONGO_URI": "mongodb://127.0.0.1:9/none", "SECRET_KEY": "x"})
    assert made == []
    # Pages that need no data are served without a database either.
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/auth/login").status_code == 200
    assert client.get("/auth/register").status_code == 200
    assert made == []


def test_testing_flag(app):
    assert app.testing


@pytest.mark.parametrize("value", ["12345678901234567890123456789012", "true", "1e5", '"quoted"'])
def test_secret_key_from_env_is_taken_as_typed(clean_env, instance_path, monkeypatch, value):
    """FLASKR_* values are parsed as JSON; a secret key must stay the exact string given."""
    monkeypatch.setenv("FLASKR_SECRET_KEY", value)
    app = create_app({"MONGO_URI": "mongomock://localhost/x"})
    assert app.secret_key == value
    client = app.test_client()
    assert client.get("/auth/login").status_code == 200


def test_embedded_database_port_and_credentials(clean_env, instance_path, monkeypatch):
    """No MONGO_URI: the embedded database on EMBEDDED_DB_PORT, as instance/'s app user."""
    monkeypatch.setenv("EMBEDDED_DB_PORT", "28111")
    assert create_app().config["MONGO_URI"] == "mongodb://127.0.0.1:28111/flaskr"
    users = {role: {"user": f"{role} user", "password": "p@ss:/?"} for role in ("app", "admin")}
    (instance_path / "db-credentials").write_text(json.dumps(users))
    assert create_app().config["MONGO_URI"] == (
        "mongodb://app%20user:p%40ss%3A%2F%3F@127.0.0.1:28111/flaskr?authSource=admin"
    )
    # MONGO_URI, when given, wins over all of it.
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/given")
    assert create_app().config["MONGO_URI"] == "mongodb://db.example:27017/given"


def test_a_port_that_is_not_a_number_is_one_line(clean_env, instance_path, monkeypatch):
    monkeypatch.setenv("EMBEDDED_DB_PORT", "twenty")
    with pytest.raises(ConfigError) as e:
        create_app()
    assert str(e.value) == "flaskr: EMBEDDED_DB_PORT must be a port number, not 'twenty'."


@pytest.mark.parametrize("text", ["{not json", '{"app": {"user": "flaskr"}}', "[]"])
def test_damaged_credentials_are_one_line(clean_env, instance_path, text):
    instance_path.mkdir()
    (instance_path / "db-credentials").write_text(text)
    with pytest.raises(ConfigError, match="db-credentials is damaged; restore it from a backup"):
        create_app()
