"""The authenticator-app factor in the identity core: the window, and each step used once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from flaskr.identity import totp, users
from flaskr.identity.audit import Actor
from flaskr.identity.secrets_box import Keyring, Unreadable, new_key
from flaskr.web.context import settings
from tests.two_factor.helpers import at_once, code_at, to_step_start, turned_on

ACTOR = Actor.self("198.51.100.7", "pytest")
T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)  # the first second of a step


def test_secrets_are_160_bits_of_base32():
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) == 32 and pyotp.TOTP(s).now().isdigit() for s in secrets)


def test_the_key_is_grouped_in_fours_and_the_link_names_issuer_and_user():
    assert totp.grouped("ABCDEFGHIJKL") == "ABCD EFGH IJKL"
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = totp.provisioning_uri(secret, "alice", "flaskr")
    assert uri == f"otpauth://totp/flaskr:alice?secret={secret}&issuer=flaskr"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("12345", None),
        ("1234567", None),
        ("12345a", None),
        ("١٢٣٤٥٦", None),
        (None, None),
        (123456, None),
    ],
)
def test_codes_are_six_ascii_digits(typed, read):
    assert totp.normalised(typed) == read


@pytest.mark.parametrize(
    ("offset", "steps", "found"),
    [
        (0, 0, 0),
        (0, -1, -1),
        (0, 1, 1),
        (0, -2, None),
        (0, 2, None),
        # The last second of the step: the window is still this step and its neighbours.
        (29, 1, 1),
        (29, 2, None),
        (29, -1, -1),
        # The first second of the next: it has moved on.
        (30, -1, None),
        (30, 0, 0),
        (30, 2, 2),
        (30, 3, None),
    ],
)
def test_the_window_is_one_step_either_side(offset, steps, found):
    secret = totp.new_secret()
    now = T0 + timedelta(seconds=offset)
    code = code_at(secret, T0, steps)
    expected = None if found is None else totp.step(T0) + found
    assert totp.matching_step(secret, code, now) == expected


def test_another_secrets_code_is_not_a_match():
    mine, theirs = totp.new_secret(), totp.new_secret()
    misses = [
        totp.matching_step(
            mine, code_at(theirs, T0 + timedelta(minutes=i)), T0 + timedelta(minutes=i)
        )
        for i in range(20)
    ]
    # 20 tries at one in a million (times three steps) each: none matches.
    assert misses == [None] * 20


@pytest.fixture
def alice_on(app, clock):
    """alice with the authenticator app on (turned on at the step before now); her secret."""
    to_step_start(clock)
    clock.advance(seconds=-30)
    secret, _ = turned_on(app, clock)
    clock.advance(seconds=30)
    return secret


def same_database(app, other):
    """`other` (an app with other keys) on `app`'s database, as a second process would be
    (two mongomock clients would each have a database of their own)."""
    other.extensions["flaskr.mongo"] = app.extensions["flaskr.mongo"]
    return other


def verify(app, code, now=None):
    from flaskr.identity import clock

    with app.test_request_context():
        user = users.find_user("alice")
        factor = settings().factor("totp")
        return factor.verify(user, code, now or clock.now())


@pytest.mark.db
def test_a_code_is_accepted_once(app, alice_on, clock, db):
    code = code_at(alice_on, clock.at)
    assert verify(app, code)
    assert not verify(app, code)
    assert db.users.find_one()["totp"]["last_step"] == totp.step(clock.at)


@pytest.mark.db
def test_an_older_step_after_a_newer_one_is_refused(app, alice_on, clock):
    assert verify(app, code_at(alice_on, clock.at, 1))
    assert not verify(app, code_at(alice_on, clock.at))
    clock.advance(seconds=60)
    assert verify(app, code_at(alice_on, clock.at))


@pytest.mark.db
def test_the_step_that_turned_it_on_is_used(app, alice_on, clock):
    assert not verify(app, code_at(alice_on, clock.at, -1))


@pytest.mark.db
def test_one_code_from_two_threads_at_once_passes_once(app, alice_on, clock):
    code = code_at(alice_on, clock.at)
    results = at_once(8, lambda: verify(app, code, clock.at))
    assert sorted(results) == [False] * 7 + [True]


@pytest.mark.db
def test_the_secret_is_stored_sealed_and_a_database_copy_cannot_make_codes(app, alice_on, db):
    stored = db.users.find_one()
    assert alice_on not in str(stored)
    sealed = stored["totp"]["secret"]
    assert sealed.startswith("v1.")
    # Someone with the database but another key (or none) gets nothing out of it.
    with pytest.raises(Unreadable):
        Keyring.from_text(new_key()).open(sealed, totp.context(stored["_id"]))
    assert app.extensions["flaskr.keys"].open(sealed, totp.context(stored["_id"])) == alice_on


def test_without_its_key_the_secret_fails_every_code_and_says_so(
    make_app, app, alice_on, clock, caplog
):
    other = same_database(app, make_app(ENCRYPTION_KEY=new_key()))
    assert not verify(other, code_at(alice_on, clock.at))
    assert "cannot be read" in caplog.text
    assert alice_on not in caplog.text


def test_a_rotated_key_still_opens_and_reseal_moves_secrets_to_the_new_key(
    make_app, app, alice_on, clock, db
):
    old = app.config["ENCRYPTION_KEY"]
    rotated = same_database(app, make_app(ENCRYPTION_KEY=new_key(), ENCRYPTION_OLD_KEYS=[old]))
    assert verify(rotated, code_at(alice_on, clock.at))
    runner = rotated.test_cli_runner()
    result = runner.invoke(args=["users", "reseal-secrets"])
    assert result.exit_code == 0, result.output
    assert result.output == "Resealed 1 secret with the current key.\n"
    assert rotated.extensions["flaskr.keys"].is_current(db.users.find_one()["totp"]["secret"])
    # The old key can go now.
    only_new = same_database(app, make_app(ENCRYPTION_KEY=rotated.config["ENCRYPTION_KEY"]))
    clock.advance(seconds=30)
    assert verify(only_new, code_at(alice_on, clock.at))
    assert runner.invoke(args=["users", "reseal-secrets"]).output.startswith("Resealed 0 secrets")


def test_reseal_says_when_a_key_is_missing(make_app, app, alice_on):
    other = same_database(app, make_app(ENCRYPTION_KEY=new_key()))
    result = other.test_cli_runner().invoke(args=["users", "reseal-secrets"])
    assert result.exit_code == 1
    assert "1 secret is sealed with a key that is not configured" in result.output
