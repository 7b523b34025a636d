"""Password hashing: every character counts, any length, any character; rounds upgrade."""

from __future__ import annotations

import bcrypt
import pytest

from flaskr.identity import passwords
from tests.support.web import PASSWORD

LONG = "correct horse battery staple " * 4  # 116 bytes: past bcrypt's 72


@pytest.mark.parametrize(
    "password, other",
    [
        (LONG + "A", LONG + "B"),  # differ only after byte 72
        ("é" * 40 + "x", "é" * 40 + "y"),  # 81 bytes of two-byte characters
        ("🔑" * 30 + "1", "🔑" * 30 + "2"),  # 121 bytes of four-byte characters
        ("a" * 1024, "a" * 1023 + "b"),
    ],
)
def test_every_character_counts(password, other):
    assert len(password.encode()) > 72
    hashed = passwords.hash_password(password, 4)
    assert passwords.check_password(password, hashed)
    assert not passwords.check_password(other, hashed)


def test_bcrypt_alone_would_refuse_long_passwords():
    """Why the pre-hash exists: bcrypt 5 raises for more than 72 bytes."""
    with pytest.raises(ValueError):
        bcrypt.hashpw(LONG.encode(), bcrypt.gensalt(4))


@pytest.mark.parametrize(
    "password",
    [
        "pässwörd-ünïcode",
        "日本語のパスワードです",
        "пароль-надёжный",
        "\u0645\u0631\u062d\u0628\u0627-123",
    ],
)
def test_non_ascii(password):
    hashed = passwords.hash_password(password, 4)
    assert passwords.check_password(password, hashed)
    assert not passwords.check_password(password[:-1], hashed)


def test_nul_bytes_count():
    hashed = passwords.hash_password("abc\0def-ghi", 4)
    assert passwords.check_password("abc\0def-ghi", hashed)
    assert not passwords.check_password("abc\0xyz-ghi", hashed)
    assert not passwords.check_password("abc", hashed)


def test_lone_surrogate_can_be_hashed():
    hashed = passwords.hash_password("pass\ud800word", 4)
    assert passwords.check_password("pass\ud800word", hashed)


def test_hash_is_bcrypt_at_the_given_rounds_and_salted():
    first = passwords.hash_password(PASSWORD, 5)
    second = passwords.hash_password(PASSWORD, 5)
    assert first.startswith("$2b$05$")
    assert first != second
    assert PASSWORD not in first


def test_unknown_scheme_or_broken_hash_never_matches():
    hashed = passwords.hash_password(PASSWORD, 4)
    assert not passwords.check_password(PASSWORD, hashed, scheme="plain")
    assert not passwords.check_password(PASSWORD, "not a bcrypt hash")
    assert not passwords.check_password(PASSWORD, "")


def test_needs_rehash():
    hashed = passwords.hash_password(PASSWORD, 5)
    assert passwords.needs_rehash(hashed, 6)
    assert not passwords.needs_rehash(hashed, 5)
    assert not passwords.needs_rehash(hashed, 4)
    assert passwords.needs_rehash("garbage", 4)
    assert passwords.needs_rehash("$2b$xx$", 4)


def test_burn_check_runs_one_bcrypt_check(monkeypatch):
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda p, h: calls.append(h) or real(p, h))
    passwords.burn_check(PASSWORD, 4)
    assert len(calls) == 1
    assert calls[0].startswith(b"$2b$04$")


def _stored_hash(db, name="alice"):
    return db.users.find_one({"username_key": name})["password_hash"]


@pytest.mark.db
def test_long_password_through_the_forms(client, auth, db):
    assert auth.register(password=LONG + "A").status_code == 302
    assert auth.login(password=LONG + "B").status_code == 401
    assert auth.login(password=LONG).status_code == 401
    assert auth.login(password=LONG + "A").headers["Location"] == "/user"


def test_non_ascii_password_through_the_forms(client, auth):
    assert auth.register(password="pässwörd-日本語-🔑").status_code == 302
    assert auth.login(password="passwörd-日本語-🔑").status_code == 401
    assert auth.login(password="pässwörd-日本語-🔑").status_code == 302


@pytest.mark.db
def test_rehash_on_next_sign_in_when_rounds_rise(app, client, auth, db):
    auth.register()
    old = _stored_hash(db)
    assert old.startswith("$2b$04$")
    app.config["BCRYPT_ROUNDS"] = 5
    # A failed sign-in changes nothing.
    assert auth.login(password=PASSWORD + "x").status_code == 401
    assert _stored_hash(db) == old
    assert auth.login().status_code == 302
    new = _stored_hash(db)
    assert new.startswith("$2b$05$")
    assert db.users.find_one({"username_key": "alice"})["password_scheme"] == "bcrypt-sha256"
    # The new hash still holds the same password.
    auth.logout()
    assert auth.login().status_code == 302
    assert _stored_hash(db) == new


def test_no_rehash_when_rounds_fall(app, auth, db):
    app.config["BCRYPT_ROUNDS"] = 5
    auth.register()
    old = _stored_hash(db)
    assert old.startswith("$2b$05$")
    app.config["BCRYPT_ROUNDS"] = 4
    assert auth.login().status_code == 302
    assert _stored_hash(db) == old


def test_unknown_user_and_wrong_password_cost_one_check_each(client, auth, monkeypatch):
    auth.register()
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda p, h: calls.append(h) or real(p, h))
    auth.login(username="nobody", password=PASSWORD)
    assert len(calls) == 1
    auth.login(username="alice", password=PASSWORD + "x")
    assert len(calls) == 2
    auth.login(username="x", password=PASSWORD)  # not even a valid username
    assert len(calls) == 3
