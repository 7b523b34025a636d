"""Adding, renaming and removing passkeys through the one door: what is stored, the rules of a
registration ceremony, and the audit events and signals each change leaves."""

from __future__ import annotations

import contextlib
import functools

import pytest
from bson import ObjectId

from flaskr import messages
from flaskr.identity import (
    accounts,
    audit,
    ceremonies,
    challenges,
    passkeys,
    sessions,
    signals,
    users,
)
from flaskr.identity.audit import CLI
from tests.support.authenticator import unb64
from tests.support.passkeys import ACTOR, BROWSER, ORIGIN, OTHER_BROWSER
from tests.support.threads import together
from tests.support.web import PASSWORD


@pytest.fixture
def app(make_app):
    """An app whose passkeys belong to `localhost` (PUBLIC_URL http://localhost:5000)."""
    return make_app(PUBLIC_URL=ORIGIN)


@pytest.fixture
def heard():
    """The passkey signals sent during the test: (event, user_id, details)."""
    got: list[tuple[str, object, dict]] = []
    with contextlib.ExitStack() as listening:
        for name in (audit.PASSKEY_ADDED, audit.PASSKEY_RENAMED, audit.PASSKEY_REMOVED):
            receiver = functools.partial(
                lambda name, sender, **kw: got.append((name, sender, kw)), name
            )
            listening.enter_context(signals.event(name).connected_to(receiver))
        yield got


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
    }
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
    world.add(alice, world.device())
    world.add(alice, world.device())
    with pytest.raises(accounts.TooManyPasskeys):
        world.add(alice, world.device())


@pytest.mark.db
def test_renaming_and_removing_are_audited_with_their_actor(world, db, heard):
    alice = world.account()
    added = world.add(alice, world.device())
    pid = str(added["_id"])
    renamed = accounts.rename_passkey(alice, pid, "Phone", actor=ACTOR, settings=world.rules)
    assert renamed["name"] == db.passkeys.find_one()["name"] == "Phone"
    removed = accounts.remove_passkey(alice, pid, actor=ACTOR, settings=world.rules)
    assert removed["_id"] == added["_id"]
    assert db.passkeys.count_documents({}) == 0
    assert [(name, details["passkey"]) for name, _, details in heard] == [
        (audit.PASSKEY_ADDED, "Laptop"),
        (audit.PASSKEY_RENAMED, "Phone"),
        (audit.PASSKEY_REMOVED, "Phone"),
    ]
    stored = {(e["event"], e["actor"]) for e in db.auth_events.find({"user_id": alice["_id"]})}
    assert {
        ("passkey_added", "self"),
        ("passkey_renamed", "self"),
        ("passkey_removed", "self"),
    } <= stored
    # Removed once: a second removal finds nothing and announces nothing.
    assert accounts.remove_passkey(alice, pid, actor=ACTOR, settings=world.rules) is None
    assert len(heard) == 3


@pytest.mark.db
def test_of_two_removals_at_once_one_removes_and_is_announced(app, world, db, heard):
    """The delete's own count decides (SecantusDB may give both a stale before-image)."""
    alice = world.account()
    pid = str(world.add(alice, world.device())["_id"])

    def remove():
        return accounts.remove_passkey(alice, pid, actor=ACTOR, settings=world.rules)

    for _ in range(5):
        removed = together(*[remove] * 6, app=app)
        assert sum(r is not None for r in removed) == 1, removed
        assert [name for name, _, _ in heard].count(audit.PASSKEY_REMOVED) == 1
        assert db.auth_events.count_documents({"event": "passkey_removed"}) == 1
        heard.clear()
        db.auth_events.delete_many({"event": "passkey_removed"})
        pid = str(world.add(alice, world.device())["_id"])


@pytest.mark.parametrize("passkey_id", ["not-an-id", "", str(ObjectId())])
def test_no_such_passkey_changes_nothing(world, passkey_id, heard):
    alice = world.account()
    world.add(alice, world.device())
    assert (
        accounts.rename_passkey(alice, passkey_id, "x", actor=ACTOR, settings=world.rules) is None
    )
    assert accounts.remove_passkey(alice, passkey_id, actor=ACTOR, settings=world.rules) is None
    assert [name for name, _, _ in heard] == [audit.PASSKEY_ADDED]


def test_nobody_changes_another_accounts_passkey(world, db):
    alice, bob = world.account(), world.account("bob")
    pid = str(world.add(alice, world.device())["_id"])
    assert accounts.rename_passkey(bob, pid, "mine now", actor=ACTOR, settings=world.rules) is None
    assert accounts.remove_passkey(bob, pid, actor=ACTOR, settings=world.rules) is None
    assert db.passkeys.find_one()["name"] == "Laptop"


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "new\nline"])
def test_a_rename_keeps_the_name_rules(world, db, name):
    alice = world.account()
    pid = str(world.add(alice, world.device())["_id"])
    with pytest.raises(accounts.Invalid):
        accounts.rename_passkey(alice, pid, name, actor=ACTOR, settings=world.rules)
    assert db.passkeys.find_one()["name"] == "Laptop"


@pytest.mark.db
def test_sessions_carry_how_many_passkeys_the_account_has(world, db):
    alice = world.account()
    session = world.session_of(alice)
    assert session["passkeys"] == 0
    added = world.add(alice, world.device())
    assert db.sessions.find_one({"_id": session["_id"]})["passkeys"] == 1
    accounts.remove_passkey(alice, str(added["_id"]), actor=ACTOR, settings=world.rules)
    assert db.sessions.find_one({"_id": session["_id"]})["passkeys"] == 0


@pytest.mark.db
def test_deleting_the_account_deletes_its_passkeys(world, db):
    alice, bob = world.account(), world.account("bob")
    world.add(alice, world.device())
    world.add(bob, world.device())
    accounts.delete_account(alice, actor=ACTOR, settings=world.rules)
    assert [p["user_id"] for p in db.passkeys.find()] == [bob["_id"]]


@pytest.mark.db
def test_an_administrators_reset_removes_the_passkeys_too(world, db):
    alice = world.account()
    world.add(alice, world.device())
    session = world.session_of(alice)
    assert accounts.reset_two_factor(alice, actor=CLI, settings=world.rules)
    assert db.passkeys.count_documents({}) == 0
    assert db.sessions.find_one({"_id": session["_id"]})["passkeys"] == 0
    assert db.auth_events.find_one({"event": "two_factor_reset"})["actor"] == "cli"
    assert not accounts.reset_two_factor(alice, actor=CLI, settings=world.rules)
    assert sessions.two_factor_summary(alice)["passkeys"] == 0


@pytest.mark.db
def test_a_passkey_added_or_removed_is_told_to_the_confirmed_address(app, world, db):
    """The notices answer the door's signals (mail/notices.py), naming the passkey."""
    alice = accounts.create_account(
        "alice", PASSWORD, email="alice@example.com", actor=ACTOR, settings=world.rules
    )
    users.confirm_email(alice["_id"], "alice@example.com")
    added = world.add(alice, world.device(), name="Work laptop")
    accounts.remove_passkey(alice, str(added["_id"]), actor=ACTOR, settings=world.rules)
    kinds = {"$in": ["passkey_added", "passkey_removed", "passkey_renamed"]}
    told = {m["kind"]: m for m in db.outbox.find({"to": "alice@example.com", "kind": kinds})}
    assert set(told) == {"passkey_added", "passkey_removed"}
    for kind, notice in told.items():
        assert notice["subject"] == messages.NOTICES[kind][0]
        assert "“Work laptop”" in notice["text"] and "alice" in notice["text"]
        assert ACTOR.ip in notice["text"]
    # A rename is no security event: no notice.
    again = world.add(alice, world.device())
    accounts.rename_passkey(alice, str(again["_id"]), "Phone", actor=ACTOR, settings=world.rules)
    assert db.outbox.count_documents({"kind": kinds}) == 3
