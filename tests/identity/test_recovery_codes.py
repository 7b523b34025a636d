"""Recovery codes in the identity core: made from `secrets`, kept hashed, each used once."""

from __future__ import annotations

import pytest

from flaskr.identity import accounts, recovery_codes, users
from flaskr.identity.audit import Actor
from flaskr.web.context import settings
from tests.support.web import PASSWORD
from tests.two_factor.helpers import at_once, to_step_start, turned_on

ACTOR = Actor.self("198.51.100.7", "pytest")


def test_codes_carry_80_random_bits_and_read_easily():
    codes = recovery_codes.generate(200)
    assert len(set(codes)) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(recovery_codes.ALPHABET)
    # 16 characters from 32 symbols: 80 bits, of which the 2-character hint gives away 10.
    assert len(recovery_codes.ALPHABET) ** (recovery_codes.LENGTH - recovery_codes.HINT) >= 2**64


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("abcd-efgh-jkmn-pqrs", "abcdefghjkmnpqrs"),
        ("ABCD EFGH JKMN PQRS", "abcdefghjkmnpqrs"),
        # Letters the alphabet leaves out are read as the digits they look like.
        ("0123-4567-89ab-cdeO", "0123456789abcde0"),
        ("iIlL-0000-0000-0000", "1111000000000000"),
        ("abcd-efgh-jkmn-pqr", None),
        ("abcd-efgh-jkmn-pqrsa", None),
        ("abcd-efgh-jkmn-pqru", None),
        (None, None),
    ],
)
def test_what_people_type_is_read_kindly(typed, read):
    assert recovery_codes.normalised(typed) == read


def test_only_hashes_and_hints_are_kept():
    codes = recovery_codes.generate(3)
    kept = recovery_codes.stored(codes, rounds=4)
    for code, entry in zip(codes, kept, strict=True):
        plain = code.replace("-", "")
        assert entry["hint"] == plain[:2]
        assert plain not in entry["hash"] and entry["hash"].startswith("$2b$04$")
        assert recovery_codes.matching_hash(kept, code) == entry["hash"]
    assert recovery_codes.matching_hash(kept, "0000-0000-0000-0000") is None
    # A salted hash for each: equal codes would not hash alike.
    assert len({e["hash"] for e in recovery_codes.stored([codes[0]] * 2, 4)}) == 2


def test_the_cost_is_bcrypts_but_at_most_eight_rounds():
    [entry] = recovery_codes.stored(recovery_codes.generate(1), rounds=12)
    assert entry["hash"].startswith("$2b$08$")


@pytest.fixture
def alice_codes(app, clock):
    """alice with two-factor sign-in on; her recovery codes."""
    to_step_start(clock)
    return turned_on(app, clock)[1]


def use(app, code):
    from flaskr.identity import clock

    with app.test_request_context():
        return (
            settings().factor("recovery_code").verify(users.find_user("alice"), code, clock.now())
        )


@pytest.mark.db
def test_a_code_works_once(app, alice_codes, db):
    assert use(app, alice_codes[0])
    assert not use(app, alice_codes[0])
    assert len(db.users.find_one()["recovery_codes"]) == 9
    assert use(app, alice_codes[1])


@pytest.mark.db
def test_one_code_from_two_threads_at_once_works_once(app, alice_codes):
    results = at_once(6, lambda: use(app, alice_codes[5]))
    assert sorted(results) == [False] * 5 + [True]


@pytest.mark.db
def test_new_codes_replace_every_old_one(app, alice_codes):
    with app.test_request_context():
        new = accounts.new_recovery_codes(
            users.find_user("alice"), actor=ACTOR, settings=settings()
        )
    assert not any(use(app, code) for code in alice_codes)
    assert use(app, new[0])


def test_no_codes_without_two_factor_sign_in(app):
    with app.test_request_context():
        bob = accounts.create_account("bob", PASSWORD, actor=ACTOR, settings=settings())
        with pytest.raises(accounts.NotOn):
            accounts.new_recovery_codes(bob, actor=ACTOR, settings=settings())
