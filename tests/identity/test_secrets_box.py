"""Secrets sealed with AES-GCM under keys kept outside the database, and rotated."""

from __future__ import annotations

import os
import stat

import pytest

from flaskr import create_app
from flaskr.config import ConfigError
from flaskr.identity.secrets_box import BadKey, Keyring, Unreadable, new_key

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def ring():
    return Keyring.from_text(new_key())


def test_a_sealed_value_opens_only_for_its_context(ring):
    sealed = ring.seal(SECRET, "totp:alice")
    assert SECRET not in sealed
    assert ring.open(sealed, "totp:alice") == SECRET
    # Moved to another account in the database, it opens for no one.
    with pytest.raises(Unreadable):
        ring.open(sealed, "totp:bob")


def test_each_seal_is_different(ring):
    assert ring.seal(SECRET, "c") != ring.seal(SECRET, "c")


def test_without_the_key_nothing_opens(ring):
    sealed = ring.seal(SECRET, "c")
    with pytest.raises(Unreadable, match="no configured key"):
        Keyring.from_text(new_key()).open(sealed, "c")


@pytest.mark.parametrize(
    "change", [lambda s: s[:-4] + "AAAA", lambda s: s + "x", lambda s: "v2" + s[2:]]
)
def test_a_tampered_value_does_not_open(ring, change):
    with pytest.raises(Unreadable):
        ring.open(change(ring.seal(SECRET, "c")), "c")


@pytest.mark.parametrize("junk", ["", "plain", "a.b", "v1.x.!!!", None])
def test_junk_does_not_open(ring, junk):
    with pytest.raises(Unreadable):
        ring.open(junk, "c")


def test_rotation_old_keys_open_the_new_key_seals():
    old, new = new_key(), new_key()
    sealed_before = Keyring.from_text(old).seal(SECRET, "c")
    rotated = Keyring.from_text(new, [old])
    assert rotated.open(sealed_before, "c") == SECRET
    assert not rotated.is_current(sealed_before)
    sealed_after = rotated.seal(SECRET, "c")
    assert rotated.is_current(sealed_after)
    assert Keyring.from_text(new).open(sealed_after, "c") == SECRET
    with pytest.raises(Unreadable):
        Keyring.from_text(old).open(sealed_after, "c")


@pytest.mark.parametrize(
    "old", [lambda a, b: [a, b], lambda a, b: f'["{a}", "{b}"]', lambda a, b: f"{a}, {b}"]
)
def test_old_keys_are_a_list_a_json_list_or_comma_separated(old):
    a, b = new_key(), new_key()
    assert len(Keyring.from_text(new_key(), old(a, b)).old) == 2


@pytest.mark.parametrize("key", ["", "short", "!" * 43, new_key() + "AAAA"])
def test_a_bad_key_is_refused(key):
    with pytest.raises(BadKey):
        Keyring.from_text(key)


def test_the_key_is_generated_once_into_the_instance_folder(instance_path, mongo_uri):
    first = create_app({"TESTING": True, "SECRET_KEY": "k", "MONGO_URI": mongo_uri})
    key_file = instance_path / "encryption_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first.config["ENCRYPTION_KEY"] == key_file.read_text().strip()
    Keyring.from_text(first.config["ENCRYPTION_KEY"])
    second = create_app({"TESTING": True, "SECRET_KEY": "k", "MONGO_URI": mongo_uri})
    assert second.config["ENCRYPTION_KEY"] == first.config["ENCRYPTION_KEY"]


def test_the_key_may_come_from_the_environment(instance_path, mongo_uri, monkeypatch):
    key = new_key()
    monkeypatch.setenv("FLASKR_ENCRYPTION_KEY", key)
    monkeypatch.setenv("FLASKR_ENCRYPTION_OLD_KEYS", f'["{new_key()}"]')
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "MONGO_URI": mongo_uri})
    assert app.config["ENCRYPTION_KEY"] == key
    assert not (instance_path / "encryption_key").exists()
    assert len(app.extensions["flaskr.keys"].old) == 1


@pytest.mark.parametrize("config", [{"ENCRYPTION_KEY": "not-a-key"}, {"ENCRYPTION_OLD_KEYS": "x"}])
def test_the_app_refuses_to_start_with_a_bad_key(instance_path, mongo_uri, config):
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY or ENCRYPTION_OLD_KEYS is not usable"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "MONGO_URI": mongo_uri, **config})
