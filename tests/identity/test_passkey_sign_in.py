"""Signing in with a passkey: passwordless (user verification makes it both factors), as the
second step after a password, and to re-authenticate; every trap py_webauthn leaves to the app:
the owner's user handle, the signed-in user's own credentials only, challenges used once, the
sign count."""

from __future__ import annotations

import pytest

from flaskr.identity import accounts, ceremonies, challenges, signin
from flaskr.identity.challenges import REAUTHENTICATE, SECOND_STEP, SIGN_IN
from tests.support.passkeys import ACTOR, BROWSER, ORIGIN, OTHER_BROWSER
from tests.support.threads import together
from tests.support.web import PASSWORD


@pytest.fixture
def app(make_app):
    """An app whose passkeys belong to `localhost` (PUBLIC_URL http://localhost:5000)."""
    return make_app(PUBLIC_URL=ORIGIN)


@pytest.fixture
def passkey_threads(app):
    """`passkey_threads(n, attempt)`: what `attempt()` returns in each of n threads at once."""
    return lambda count, attempt: together(*[attempt] * count, app=app)


@pytest.fixture
def alice(world):
    """alice, with one device-bound passkey: (account, authenticator, stored passkey)."""
    user = world.account()
    device = world.device()
    return user, device, world.add(user, device)


@pytest.mark.db
def test_a_passkey_with_user_verification_signs_in_without_a_password(world, db, alice):
    user, device, passkey = alice
    options = world.options(SIGN_IN)
    assert options["userVerification"] == "required"
    assert options["allowCredentials"] == []  # discoverable: no username asked first
    outcome = world.sign_in(device.get(options), remember=True)
    assert isinstance(outcome, signin.SignedIn)
    assert outcome.user["_id"] == user["_id"]
    assert outcome.session["remember"] is True
    assert outcome.session["authenticated_at"] == world.clock.at
    stored = db.passkeys.find_one({"_id": passkey["_id"]})
    assert (stored["sign_count"], stored["last_used_at"]) == (1, world.clock.at)
    assert {"passkey_sign_in", "sign_in"} <= set(world.events(user))


@pytest.mark.db
def test_without_user_verification_it_is_no_passwordless_sign_in(world, db, alice):
    user, device, _ = alice
    outcome = world.sign_in(world.assertion(device, SIGN_IN, uv=False))
    assert isinstance(outcome, signin.Refused)
    assert db.sessions.count_documents({}) == 0
    assert "passkey_failed" in world.events(user)


def test_a_passkey_made_without_user_verification_is_still_a_second_factor(world):
    user = world.account()
    device = world.device(uv=False)
    world.add(user, device)
    assert isinstance(world.sign_in(world.assertion(device, SIGN_IN)), signin.Refused)
    outcome = signin.begin("alice", PASSWORD, remember=False, actor=ACTOR, settings=world.rules)
    assert outcome.methods == (ceremonies.NAME,)
    answer = ceremonies.answer(world.assertion(device, SECOND_STEP, user), BROWSER)
    finished = signin.finish(outcome.token, "passkey", answer, actor=ACTOR, settings=world.rules)
    assert isinstance(finished, signin.SignedIn)


@pytest.mark.parametrize(
    "handle", [None, b"\x00" * 32, "bob's"], ids=["missing", "random", "another-account's"]
)
def test_the_user_handle_must_be_the_owners(world, db, alice, handle):
    user, device, _ = alice
    bob = world.account("bob")
    world.add(bob, world.device())
    if handle == "bob's":
        handle = db.users.find_one({"_id": bob["_id"]})["webauthn_handle"]
    outcome = world.sign_in(world.assertion(device, SIGN_IN, user_handle=handle))
    assert isinstance(outcome, signin.Refused)
    assert db.sessions.count_documents({}) == 0
    assert "passkey_failed" in world.events(user)


@pytest.mark.db
def test_an_answer_works_once(world, db, alice):
    _, device, _ = alice
    answer = world.assertion(device, SIGN_IN)
    assert isinstance(world.sign_in(answer), signin.SignedIn)
    assert isinstance(world.sign_in(answer), signin.Expired)
    assert db.sessions.count_documents({}) == 1


@pytest.mark.db
def test_of_two_requests_with_one_answer_one_signs_in(world, passkey_threads, alice):
    _, device, _ = alice
    answer = world.assertion(device, SIGN_IN)
    outcomes = passkey_threads(8, lambda: world.sign_in(answer))
    assert sorted(type(o).__name__ for o in outcomes) == ["Expired"] * 7 + ["SignedIn"]


def test_a_wrong_answer_uses_its_challenge_up_too(world, alice):
    _, device, _ = alice
    answer = world.assertion(device, SIGN_IN)
    forged = {**answer, "response": {**answer["response"], "signature": answer["id"]}}
    assert isinstance(world.sign_in(forged), signin.Refused)
    assert isinstance(world.sign_in(answer), signin.Expired)


def test_a_challenge_lives_five_minutes(world, alice):
    _, device, _ = alice
    in_time = world.assertion(device, SIGN_IN)
    late = world.assertion(device, SIGN_IN)
    world.clock.advance(minutes=4, seconds=59)
    assert isinstance(world.sign_in(in_time), signin.SignedIn)
    world.clock.advance(seconds=1)
    assert isinstance(world.sign_in(late), signin.Expired)


def test_a_challenge_counts_only_in_its_own_browser_and_for_its_purpose(world, alice):
    user, device, _ = alice
    mine = world.assertion(device, SIGN_IN)
    assert isinstance(world.sign_in(mine, binding=OTHER_BROWSER), signin.Expired)
    for purpose in (REAUTHENTICATE, SECOND_STEP):
        other = device.get(world.options(purpose, user))
        assert isinstance(world.sign_in(other), signin.Expired)
    # Refused elsewhere, never used up: its own browser may still use it.
    assert isinstance(world.sign_in(mine), signin.SignedIn)


@pytest.mark.parametrize(
    "change", [{"origin": "http://localhost:5001"}, {"origin": "http://evil.example"}]
)
def test_an_answer_from_another_origin_is_refused(world, alice, change):
    _, device, _ = alice
    assert isinstance(world.sign_in(world.assertion(device, SIGN_IN, **change)), signin.Refused)


def test_an_unknown_or_removed_passkey_is_refused(world, db, alice):
    user, device, passkey = alice
    stranger = world.device()
    stranger.create({"rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": "AAAA"})
    assert isinstance(world.sign_in(world.assertion(stranger, SIGN_IN)), signin.Refused)
    accounts.remove_passkey(user, str(passkey["_id"]), actor=ACTOR, settings=world.rules)
    assert isinstance(world.sign_in(world.assertion(device, SIGN_IN)), signin.Refused)
    assert db.sessions.count_documents({}) == 0


def test_a_disabled_account_does_not_sign_in(world, db, alice):
    user, device, _ = alice
    accounts.disable_account(user, actor=ACTOR, settings=world.rules)
    assert isinstance(world.sign_in(world.assertion(device, SIGN_IN)), signin.Refused)
    assert db.sessions.count_documents({}) == 0


@pytest.mark.db
def test_a_sign_count_that_goes_back_is_refused_and_audited(world, db, alice):
    _, device, passkey = alice
    assert isinstance(
        world.sign_in(world.assertion(device, SIGN_IN, sign_count=5)), signin.SignedIn
    )
    for count in (5, 4, 0):  # equal, lower, and back to zero: a copy of the authenticator
        refused = world.sign_in(world.assertion(device, SIGN_IN, sign_count=count))
        assert isinstance(refused, signin.Refused)
    assert db.passkeys.find_one({"_id": passkey["_id"]})["sign_count"] == 5
    went_back = db.auth_events.count_documents({"event": "passkey_sign_count_went_back"})
    assert went_back == 3
    assert isinstance(
        world.sign_in(world.assertion(device, SIGN_IN, sign_count=6)), signin.SignedIn
    )


def test_a_synced_passkey_may_report_zero_every_time(world, db):
    user = world.account()
    device = world.device(backup_eligible=True, backed_up=True, counts=False)
    passkey = world.add(user, device)
    for _ in range(3):
        assert isinstance(world.sign_in(world.assertion(device, SIGN_IN)), signin.SignedIn)
    assert db.passkeys.find_one({"_id": passkey["_id"]})["sign_count"] == 0


@pytest.mark.db
def test_of_two_uses_with_one_count_only_one_is_accepted(world, passkey_threads, alice):
    """The count is checked and stored in one atomic update: a copy used at the same moment as
    the original cannot slip past."""
    _, device, _ = alice
    answers = [world.assertion(device, SIGN_IN, sign_count=7) for _ in range(6)]
    outcomes = passkey_threads(6, lambda: world.sign_in(answers.pop()))
    assert sorted(type(o).__name__ for o in outcomes) == ["Refused"] * 5 + ["SignedIn"]


@pytest.mark.db
def test_after_a_password_a_passkey_is_the_second_step(world, db, alice):
    user, device, _ = alice
    needs = signin.begin("alice", PASSWORD, remember=False, actor=ACTOR, settings=world.rules)
    assert isinstance(needs, signin.NeedsStep)
    assert needs.methods == (ceremonies.NAME,)
    options = world.options(SECOND_STEP, user)
    assert [c["id"] for c in options["allowCredentials"]] == [alice[2]["credential_id"]]
    answer = ceremonies.answer(device.get(options), BROWSER)
    outcome = signin.finish(needs.token, "passkey", answer, actor=ACTOR, settings=world.rules)
    assert isinstance(outcome, signin.SignedIn)
    passed = db.auth_events.find_one({"event": "second_step_passed"})
    assert passed["user_id"] == user["_id"]


def test_the_second_step_takes_only_the_accounts_own_passkey(world, db, alice):
    user, _, _ = alice
    bob = world.account("bob")
    bobs = world.device()
    world.add(bob, bobs)
    needs = signin.begin("alice", PASSWORD, remember=False, actor=ACTOR, settings=world.rules)
    # bob's passkey, signing alice's second-step challenge: valid, and not hers.
    answer = ceremonies.answer(bobs.get(world.options(SECOND_STEP, user)), BROWSER)
    outcome = signin.finish(needs.token, "passkey", answer, actor=ACTOR, settings=world.rules)
    assert isinstance(outcome, signin.Refused)
    assert db.sessions.count_documents({}) == 0
    assert "second_step_failed" in world.events(user)


def test_a_second_step_whose_count_went_back_says_so(world, alice):
    user, device, _ = alice
    world.sign_in(world.assertion(device, SIGN_IN, sign_count=3))
    needs = signin.begin("alice", PASSWORD, remember=False, actor=ACTOR, settings=world.rules)
    answer = ceremonies.answer(world.assertion(device, SECOND_STEP, user, sign_count=2), BROWSER)
    outcome = signin.finish(needs.token, "passkey", answer, actor=ACTOR, settings=world.rules)
    assert isinstance(outcome, signin.Refused)
    assert {"second_step_failed", "passkey_sign_count_went_back"} <= set(world.events(user))


@pytest.mark.parametrize("answer", ["", "not json", "[]", '{"credential": {}}'])
def test_a_second_step_answer_that_is_not_one_fails(world, alice, answer):
    user, _, _ = alice
    assert not ceremonies.PasskeyFactor(world.rp).verify(user, answer, world.clock.at)


def test_a_late_second_step_fails(world, alice):
    user, device, _ = alice
    answer = ceremonies.answer(world.assertion(device, SECOND_STEP, user), BROWSER)
    world.clock.advance(minutes=5)
    assert not ceremonies.PasskeyFactor(world.rp).verify(user, answer, world.clock.at)


def test_without_a_relying_party_an_account_with_passkeys_stays_closed(world, alice):
    """Passkeys switched off by configuration must not let a password alone in."""
    user, device, _ = alice
    answer = ceremonies.answer(world.assertion(device, SECOND_STEP, user), BROWSER)
    factor = ceremonies.PasskeyFactor(None)
    assert factor.enrolled(user)
    assert not factor.verify(user, answer, world.clock.at)


@pytest.mark.db
def test_a_passkey_re_authenticates_its_own_account(world, db, alice):
    user, device, _ = alice
    session = world.session_of(user)
    world.clock.advance(minutes=30)
    options = world.options(REAUTHENTICATE, user)
    assert options["userVerification"] == "required"
    assert world.reauthenticate(user, session["_id"], device.get(options)) is True
    assert db.sessions.find_one({"_id": session["_id"]})["authenticated_at"] == world.clock.at
    assert "reauthenticated" in world.events(user)


@pytest.mark.db
def test_re_authentication_refuses_another_accounts_passkey(world, db, alice):
    """GHSA-f66q-9rf6-8795: a valid passkey of another account must not confirm this one."""
    user, _, _ = alice
    bob = world.account("bob")
    bobs = world.device()
    world.add(bob, bobs)
    session = world.session_of(user)
    world.clock.advance(minutes=30)
    # bob answers alice's re-authentication challenge with his own, perfectly valid passkey.
    answer = bobs.get(world.options(REAUTHENTICATE, user))
    assert world.reauthenticate(user, session["_id"], answer) is False
    assert db.sessions.find_one({"_id": session["_id"]})["authenticated_at"] < world.clock.at
    assert "passkey_failed" in world.events(user)
    assert "reauthenticated" not in world.events(user)


def test_re_authentication_needs_user_verification(world, alice):
    user, device, _ = alice
    session = world.session_of(user)
    answer = world.assertion(device, REAUTHENTICATE, user, uv=False)
    assert world.reauthenticate(user, session["_id"], answer) is False


def test_a_sign_in_challenge_does_not_re_authenticate(world, alice):
    user, device, _ = alice
    session = world.session_of(user)
    answer = world.assertion(device, SIGN_IN)
    assert isinstance(world.reauthenticate(user, session["_id"], answer), signin.Expired)


def test_challenges_are_stored_only_as_hashes(world, db, alice):
    user, _, _ = alice
    options = world.options(REAUTHENTICATE, user)
    stored = db.webauthn_challenges.find_one()
    assert options["challenge"] not in str(stored)
    assert BROWSER not in str(stored)
    assert (stored["purpose"], stored["user_id"]) == ("reauth", user["_id"])
    assert stored["expires_at"] == world.clock.at + challenges.LIFETIME
