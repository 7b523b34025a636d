"""Registration: validation messages, success, and one account per normalised name."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.web import PASSWORD, AuthActions, page_text

TAKEN = "That username is already taken."
FULLWIDTH_ALICE = "\uff21\uff4c\uff49\uff43\uff45"  # NFKC makes it "Alice"


def test_register_page(client):
    response = client.get("/auth/register")
    assert response.status_code == 200
    page = page_text(response)
    assert '<label for="username">Username</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'autocomplete="username"' in page
    assert 'autocomplete="new-password"' in page
    assert 'maxlength="32"' in page
    assert 'maxlength="1024"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("", PASSWORD, "Choose a username."),
        ("al", PASSWORD, "Username must be 3 to 32 characters long."),
        ("a" * 33, PASSWORD, "Username must be 3 to 32 characters long."),
        ("al ice", PASSWORD, "Username may contain only letters, digits, '.', '_' and '-'."),
        ("alice!", PASSWORD, "Username may contain only letters, digits, '.', '_' and '-'."),
        ("<script>", PASSWORD, "Username may contain only letters, digits, '.', '_' and '-'."),
        ("a/b", PASSWORD, "Username may contain only letters, digits, '.', '_' and '-'."),
        ("alice", "", "Choose a password."),
        ("alice", "short", "Password must be at least 8 characters long."),
        ("alice", "x" * 1025, "Password must be at most 1024 characters long."),
        ("alice", "tab\tinside-it", "Password must not contain control characters."),
        ("alice", "line\nbreak-inside", "Password must not contain control characters."),
        ("alice", "pass\x00word-123", "Password must not contain control characters."),
        ("alice", "pass\x1bword-123", "Password must not contain control characters."),
        ("alice", "\x7fpassword-1", "Password must not contain control characters."),
    ],
)
def test_register_validation(client, auth, db, username, password, message):
    response = auth.register(username, password)
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert db.users.count_documents({}) == 0


@pytest.mark.parametrize("username", ["abc", "a" * 32, "a.b_c-d", "José", "Ωmega", "user42"])
def test_register_accepts(auth, db, username):
    assert auth.register(username).status_code == 302
    assert db.users.find_one()["username"] == username


def test_password_bounds_accepted(make_app):
    # The length bounds alone: zxcvbn (tests/identity/test_policy.py) would refuse "xxxxxxxx".
    app = make_app(PASSWORD_MIN_SCORE=0)
    auth = AuthActions(app.test_client())
    assert auth.register("eight", "x" * 8).status_code == 302
    assert auth.register("long", "x" * 1024).status_code == 302
    with app.app_context():
        from flaskr.db import get_db

        assert get_db().users.count_documents({}) == 2


@pytest.mark.db
def test_register_success(client, auth, db):
    response = auth.register("Alice")
    assert response.status_code == 302
    assert response.headers["Location"] == "/user"
    # Signed in at once, through the one sign-in path: a session and a sign-in event.
    page = page_text(client.get("/user"))
    assert "Welcome, Alice. Your account is ready and you are signed in." in page
    assert db.sessions.count_documents({}) == 1
    assert [e["event"] for e in db.auth_events.find().sort("at", 1)] == [
        "account_created",
        "sign_in",
    ]
    user = db.users.find_one({"username_key": "alice"})
    assert user["username"] == "Alice"
    assert user["password_scheme"] == "bcrypt-sha256"
    assert user["password_hash"].startswith("$2b$04$")
    assert PASSWORD not in str(user)
    assert user["previous_login_at"] is None
    assert abs(user["created_at"] - datetime.now(UTC)) < timedelta(minutes=1)


def test_form_shown_again_without_the_password(auth):
    page = page_text(auth.register("alice", "seven77"))
    assert 'value="alice"' in page
    assert "seven77" not in page


@pytest.mark.db
@pytest.mark.parametrize(
    "variant", ["alice", "ALICE", "aLiCe", FULLWIDTH_ALICE, FULLWIDTH_ALICE.lower()]
)
def test_username_taken_for_case_and_nfkc_variants(auth, db, variant):
    assert auth.register("Alice").status_code == 302
    response = auth.register(variant)
    assert response.status_code == 409
    assert TAKEN in page_text(response)
    assert [u["username"] for u in db.users.find()] == ["Alice"]


@pytest.mark.db
def test_casefold_variants_are_one_name(auth, db):
    assert auth.register("Straße").status_code == 302
    assert auth.register("STRASSE").status_code == 409
    assert auth.register("strasse").status_code == 409
    assert db.users.count_documents({}) == 1


def test_taken_keeps_the_first_password(auth):
    auth.register("alice", PASSWORD)
    auth.register("ALICE", "another-password-entirely")
    assert auth.login("alice", "another-password-entirely").status_code == 401
    assert auth.login("alice", PASSWORD).status_code == 302


@pytest.mark.db
def test_password_is_never_in_the_database(auth, db):
    auth.register()
    auth.login()
    dump = str(list(db.users.find())) + str(list(db.sessions.find()))
    assert PASSWORD not in dump


def test_a_username_problem_keeps_the_typed_password(auth):
    # The password passed the policy: only the username must be typed again.
    page = page_text(auth.register("a!", PASSWORD))
    assert f'value="{PASSWORD}"' in page
    auth.register("alice", PASSWORD)
    taken = auth.register("ALICE", PASSWORD)
    assert f'value="{PASSWORD}"' in page_text(taken)
    # Never kept when the password itself is refused, nor cached on the way back.
    assert 'value="seven77"' not in page_text(auth.register("a!", "seven77"))
    assert taken.headers["Cache-Control"] == "no-store"


def test_a_signed_in_person_is_sent_to_their_page(client, auth):
    auth.register()
    assert client.get("/auth/register").headers["Location"] == "/user"
    assert client.get("/auth/login").headers["Location"] == "/user"
    # Where they were going, if it is on this site.
    assert client.get("/auth/login?next=%2Faccount").headers["Location"] == "/account"
    assert client.get("/auth/login?next=https://evil.example/").headers["Location"] == "/user"


def test_username_fields_are_typed_as_they_are(client):
    # The sign-in field also offers passkeys in its autofill ("webauthn").
    for path, kind in (("/auth/register", "username"), ("/auth/login", "username webauthn")):
        field = re.search(r"<input[^>]*name=\"username\"[^>]*>", page_text(client.get(path)))
        assert field, path
        assert 'autocapitalize="none"' in field.group(0)
        assert 'spellcheck="false"' in field.group(0)
        assert f'autocomplete="{kind}"' in field.group(0)


def test_an_account_disabled_while_it_was_made_is_not_signed_in(client, auth, db, monkeypatch):
    from flaskr.identity import users

    monkeypatch.setattr(users, "record_login", lambda user, at: None)
    response = auth.register()
    assert response.headers["Location"] == "/auth/login"
    assert db.sessions.count_documents({}) == 0
    assert client.get("/user").status_code == 302
