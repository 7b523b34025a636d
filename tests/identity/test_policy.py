"""The password policy: length, no username, not easily guessed (zxcvbn), with its feedback."""

from __future__ import annotations

import pytest

from flaskr.config import DEFAULTS
from flaskr.identity.policy import Policy
from flaskr.web.context import settings
from tests.support.web import PASSWORD

DEFAULT_POLICY = Policy.from_config(DEFAULTS)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This is a top-10 common password."),
        ("123456789", "This is a top-10 common password."),
        ("qwertyuiop", "This is a top-100 common password."),
        ("Password1", "This is a very common password."),
        ("alice", "Password must be at least 8 characters long."),
        ("xx-ALICE-xx-vivid-comet", "Password must not contain your username."),
    ],
)
def test_weak_passwords_are_refused_with_feedback(auth, db, password, message):
    response = auth.register("alice", password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.users.count_documents({}) == 0


def test_the_username_itself_is_refused(auth):
    response = auth.register("glacier-owl-17", "glacier-owl-17")
    assert response.status_code == 400
    assert "Password must not contain your username." in response.get_data(as_text=True)


def test_the_feedback_includes_zxcvbn_suggestions():
    message = DEFAULT_POLICY.password_problem("password")
    assert message == (
        "This is a top-10 common password. Add another word or two. Uncommon words are better."
    )


def test_a_long_passphrase_is_accepted(auth):
    assert auth.register("alice", PASSWORD).status_code == 302
    assert auth.register("bob", "w" + "ord-salad-" * 100).status_code == 302


def test_a_weak_start_is_judged_even_in_a_long_password():
    assert DEFAULT_POLICY.password_problem("a" * 500) is not None


@pytest.mark.parametrize(
    ("config", "password", "accepted"),
    [
        ({"PASSWORD_MIN_SCORE": 0}, "password", True),
        ({"PASSWORD_MIN_SCORE": 0}, "pass", False),
        ({"PASSWORD_MIN_SCORE": 0}, "my-alice-pw", False),
        ({"PASSWORD_MIN_LENGTH": 12}, "vivid-comet", False),
        ({"PASSWORD_MIN_LENGTH": 12}, "vivid-comet-42", True),
        ({"PASSWORD_MIN_SCORE": 4}, "sunflower-88", False),
    ],
)
def test_the_policy_follows_the_config(make_app, config, password, accepted):
    app = make_app(**config)
    with app.test_request_context():
        assert (settings().policy.password_problem(password, "alice") is None) is accepted


def test_the_policy_applies_outside_a_request(app):
    # Built from the config alone: no request or app context is needed to apply it.
    rules = Policy.from_config(app.config)
    assert rules == DEFAULT_POLICY
    expected = DEFAULT_POLICY.password_problem("password")
    assert rules.password_problem("password", "alice") == expected


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("tab\there-vivid-comet", "Password must not contain control characters."),
        ("pass\x00word-vivid-comet", "Password must not contain control characters."),
        ("vivid-comet-\ufffd-42", "Password contains characters that could not be read"),
    ],
)
def test_unreadable_passwords_are_refused(password, message):
    assert DEFAULT_POLICY.password_problem(password).startswith(message)


def test_a_good_password_has_no_problem_and_a_short_one_has():
    assert DEFAULT_POLICY.password_problem(PASSWORD) is None
    assert DEFAULT_POLICY.password_problem("a" * 7) is not None


def test_every_problem_is_told_at_once():
    assert DEFAULT_POLICY.username_problems("a!") == [
        "Username must be 3 to 32 characters long.",
        "Username may contain only letters, digits, '.', '_' and '-'.",
    ]
    problems = DEFAULT_POLICY.password_problems("alice\t", "alice")
    assert problems[:3] == [
        "Password must be at least 8 characters long.",
        "Password must not contain control characters.",
        "Password must not contain your username.",
    ]
    assert len(problems) == 4  # and zxcvbn's verdict
    # One text for the API's `fields`, the CLI and accounts.Invalid: every reason, in order.
    assert DEFAULT_POLICY.password_problem("alice\t", "alice") == " ".join(problems)
    assert DEFAULT_POLICY.username_problem("a!") == " ".join(DEFAULT_POLICY.username_problems("a!"))


def test_a_good_username_and_password_have_no_problems():
    assert DEFAULT_POLICY.username_problems("alice") == []
    assert DEFAULT_POLICY.password_problems(PASSWORD, "alice") == []
    assert DEFAULT_POLICY.username_problem("alice") is None


def test_the_length_limits_are_said_one_side_at_a_time():
    assert DEFAULT_POLICY.password_problems("x" * 1025)[0] == (
        "Password must be at most 1024 characters long."
    )
    assert DEFAULT_POLICY.password_problems("")[0] == "Password must be at least 8 characters long."
