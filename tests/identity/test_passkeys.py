"""Adding passkeys through the one door: what is stored, the rules of a registration ceremony,
and the audit events and signals an addition leaves (renaming and removing:
test_passkey_changes.py)."""

from __future__ import annotations

import pytest

from flaskr.identity import (
    accounts,
    audit,
    ceremonies,
    challenges,
    passkeys,
    users,
)
from tests.support.authenticator import unb64
from tests.support.passkeys import ACTOR, BROWSER, ORIGIN, OTHER_BROWSER
from tests.support.threads import together


@pytest.fixture
def app(make_app):
    """An app whose passkeys belong to `localhost` (PUBLIC_URL http://localhost:5000)."""
    return make_app(PUBLIC_URL=ORIGIN)


@pytest.mark.db
def test_a_new_passkey_is_stored_with_what_verifying_it_needs(world, db, heard):
    alice = world.account()
    device = world.device(backup_eligible=True, backed_up=True, counts=False)
    _, credential = world.registration(alice, device)
    added = accounts.add_passkey(
        alice, credential, " Laptop ", binding=BROWSER, actor=ACTOR, settings=world.rules
    )
    stored = db.passkeys.find_one()
    assert stored["_id"] == added["_id"]
    assert stored["user_id"] == alice["_id"]
    assert stored["credential_id"] == credential["id"]
    assert stored["public_key"] == device.keys[credential["id"]].cose()
    assert (stored["sign_count"], stored["transports"]) == (0, ["internal"])
    assert (stored["device_type"], stored["backed_up"]) == ("multi_device", True)
    assert stored["name"] == "Laptop"
    assert (stored["created_at"], stored["last_used_at"]) == (world.clock.at, None)
    # What verifying and listing need, and nothing that could sign.
    assert set(stored) == {
        "_id",
        "user_id",
        "credential_id",
        "public_key",
        "sign_count",
        "transports",
        "device_type",
        "backed_up",
        "aaguid",
        "name",
        "created_at",
        "last_used_at",
        "slot",  # its place among the account's MAX_PER_USER
    }
    assert stored["slot"] == 0
    assert heard == [
        (
            audit.PASSKEY_ADDED,
            alice["_id"],
            {"actor": ACTOR, "username": "alice", "passkey": "Laptop"},
        )
    ]
    assert db.auth_events.find_one({"event": "passkey_added"})["actor"] == "self"


@pytest.mark.db
def test_the_user_handle_is_random_and_the_same_for_every_passkey(world, db):
    alice, bob = world.account(), world.account("bob")
    first, _ = world.registration(alice, world.device())
    second, _ = world.registration(alice, world.device())
    handle = unb64(first["user"]["id"])
    assert len(handle) == users.WEBAUTHN_HANDLE_BYTES
    assert unb64(second["user"]["id"]) == handle
    assert handle not in (b"alice", str(alice["_id"]).encode())
    assert db.users.find_one({"_id": alice["_id"]})["webauthn_handle"] == handle
    assert unb64(world.registration(bob, world.device())[0]["user"]["id"]) != handle


def test_options_ask_for_a_discoverable_passkey_and_exclude_the_ones_there(world):
    alice = world.account()
    kept = world.add(alice, world.device())
    options, _ = world.registration(alice, world.device())
    assert options["rp"] == {"id": "localhost", "name": "flaskr"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["attestation"] == "none"
    assert options["timeout"] == 300_000
    assert [c["id"] for c in options["excludeCredentials"]] == [kept["credential_id"]]


@pytest.mark.db
def test_one_credential_is_registered_once(world, db):
    alice, bob = world.account(), world.account("bob")
    device = world.device()
    _, credential = world.registration(alice, device)
    accounts.add_passkey(
        alice, credential, None, binding=BROWSER, actor=ACTOR, settings=world.rules
    )
    # The same credential sent again, for a fresh challenge of another account: the unique
    # index on the credential id refuses it, whoever asks.
    options = ceremonies.registration_options(world.rp, bob, binding=BROWSER, now=world.clock.at)
    again = device.create(options, same_as=credential["id"])
    with pytest.raises(passkeys.AlreadyRegistered):
        accounts.add_passkey(bob, again, None, binding=BROWSER, actor=ACTOR, settings=world.rules)
    assert db.passkeys.count_documents({}) == 1


@pytest.mark.db
def test_the_unique_index_refuses_a_second_copy(world, db):
    alice = world.account()
    new = passkeys.NewCredential("AAAA", b"key", 0, (), passkeys.SINGLE_DEVICE, False, "0" * 32)
    passkeys.add(alice["_id"], new, "one", world.clock.at)
    with pytest.raises(passkeys.AlreadyRegistered):
        passkeys.add(alice["_id"], new, "two", world.clock.at)
    assert db.passkeys.count_documents({}) == 1


def test_a_passkey_without_a_name_is_named_after_the_browser(world):
    added = world.add(world.account(), world.device(), name=None)
    assert added["name"] == "Passkey (Chrome on Linux)"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("x" * 65, "A passkey's name may be at most 64 characters long."),
        ("tab\there", "A passkey's name must not contain control characters."),
    ],
)
def test_a_bad_name_is_refused_before_the_challenge_is_used(world, db, name, problem):
    alice = world.account()
    _, credential = world.registration(alice, world.device())
    with pytest.raises(accounts.Invalid) as refused:
        accounts.add_passkey(
            alice, credential, name, binding=BROWSER, actor=ACTOR, settings=world.rules
        )
    assert refused.value.fields == {"name": problem}
    # The same answer with a name that fits still counts: nothing was used up.
    accounts.add_passkey(
        alice, credential, "ok", binding=BROWSER, actor=ACTOR, settings=world.rules
    )
    assert db.passkeys.count_documents({}) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"origin": "http://localhost:5001"},
        {"origin": "https://evil.example"},
    ],
    ids=["other-port", "other-site"],
)
def test_a_passkey_made_for_another_origin_is_refused(world, db, change):
    alice = world.account()
    _, credential = world.registration(alice, world.device(), **change)
    with pytest.raises(ceremonies.NotVerified):
        accounts.add_passkey(
            alice, credential, None, binding=BROWSER, actor=ACTOR, settings=world.rules
        )
    assert db.passkeys.count_documents({}) == 0


def test_a_passkey_for_another_rp_id_is_refused(world, db):
    alice = world.account()
    options = ceremonies.registration_options(world.rp, alice, binding=BROWSER, now=world.clock.at)
    options["rp"]["id"] = "evil.example"
    with pytest.raises(ceremonies.NotVerified):
        accounts.add_passkey(
            alice,
            world.device().create(options),
            None,
            binding=BROWSER,
            actor=ACTOR,
            settings=world.rules,
        )
    assert db.passkeys.count_documents({}) == 0


@pytest.mark.db
def test_a_registration_challenge_works_once_in_its_own_browser_for_five_minutes(world, db):
    alice = world.account()
    device = world.device()

    def add(credential, binding=BROWSER):
        return accounts.add_passkey(
            alice, credential, None, binding=binding, actor=ACTOR, settings=world.rules
        )

    _, credential = world.registration(alice, device)
    with pytest.raises(challenges.Expired):
        add(credential, binding=OTHER_BROWSER)  # another browser's session: not its challenge
    add(credential)
    with pytest.raises(challenges.Expired):
        add(credential)  # used
    _, late = world.registration(alice, device)
    world.clock.advance(minutes=5)
    with pytest.raises(challenges.Expired):
        add(late)
    assert db.passkeys.count_documents({}) == 1
    # Expiry is decided by the delete's filter: the late one stays for the TTL index to sweep.
    [left] = db.webauthn_challenges.find()
    assert left["expires_at"].replace(tzinfo=None) <= world.clock.at.replace(tzinfo=None)


def test_a_wrong_answer_uses_its_challenge_up_too(world, db):
    alice = world.account()
    _, credential = world.registration(alice, world.device())
    credential["response"]["attestationObject"] = "AAAA"
    with pytest.raises(ceremonies.NotVerified):
        accounts.add_passkey(
            alice, credential, None, binding=BROWSER, actor=ACTOR, settings=world.rules
        )
    assert db.webauthn_challenges.count_documents({}) == 0


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"response": []},
        {"response": {"clientDataJSON": "%%%"}},
        {"id": 1, "response": {"clientDataJSON": 5}},
    ],
)
def test_nonsense_is_an_expired_challenge_not_an_error(world, credential):
    with pytest.raises(challenges.Expired):
        accounts.add_passkey(
            world.account(), credential, None, binding=BROWSER, actor=ACTOR, settings=world.rules
        )


def test_an_account_has_at_most_twenty(world, monkeypatch):
    monkeypatch.setattr(passkeys, "MAX_PER_USER", 2)
    alice = world.account()
    first = world.add(alice, world.device())
    world.add(alice, world.device())
    with pytest.raises(accounts.TooManyPasskeys):
        world.add(alice, world.device())
    # Removing one gives its place back.
    accounts.remove_passkey(alice, str(first["_id"]), actor=ACTOR, settings=world.rules)
    assert world.add(alice, world.device())["slot"] == 0


@pytest.mark.realdb
def test_additions_racing_past_the_limit_leave_exactly_the_limit(app, world, db, monkeypatch):
    monkeypatch.setattr(passkeys, "MAX_PER_USER", 3)
    alice = world.account()
    world.add(alice, world.device())

    def adding(i: int):
        new = passkeys.NewCredential(f"C{i}", b"key", 0, (), passkeys.SINGLE_DEVICE, False, "0")
        return lambda: passkeys.add(alice["_id"], new, f"key {i}", world.clock.at)

    answers = together(*(adding(i) for i in range(5)), app=app)
    # Two places were left: two additions kept, the other three took themselves back.
    assert sum(isinstance(a, passkeys.Full) for a in answers) == 3
    assert sum(isinstance(a, dict) for a in answers) == 2
    assert db.passkeys.count_documents({"user_id": alice["_id"]}) == 3
