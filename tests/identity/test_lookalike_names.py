"""Names that look alike are one name: the unique key is the UTS #39 confusable skeleton of
the case-folded name (issue 18, point 4), and `flask init-db` re-keys stored users."""

from __future__ import annotations

import pytest

from flaskr.identity import names, passwords, users
from flaskr.identity.policy import folded
from tests.support.web import PASSWORD, post_login

ADMINS = ["admin", "adm\u0131n", "\u0430dmin", "ADM\u0130N"]  # dotless i, Cyrillic a, dotted I


@pytest.mark.parametrize("name", [*ADMINS, "Admin", "\uff41dmin", "\u0430\u0501min"])
def test_look_alikes_share_one_key(name):
    assert users.username_key(name) == users.username_key("admin")


@pytest.mark.parametrize("name", ["Alice", "ALICE", "\uff21lice", "\u0410lice"])
def test_case_width_and_script_are_one_name(name):
    assert users.username_key(name) == users.username_key("alice")


@pytest.mark.parametrize(
    ("one", "other"), [("modern", "modem"), ("user1", "userl"), ("paypal", "\u0440\u0430ypal")]
)
def test_what_looks_the_same_is_the_same(one, other):
    assert users.username_key(one) == users.username_key(other)


@pytest.mark.parametrize(("one", "other"), [("alice", "alicia"), ("useri", "userl"), ("ab", "a.b")])
def test_what_looks_different_stays_different(one, other):
    assert users.username_key(one) != users.username_key(other)


@pytest.mark.db
def test_the_four_admins_register_as_one_account(client, auth, db):
    assert auth.register(ADMINS[0]).status_code == 302
    for name in ADMINS[1:]:
        assert auth.register(name).status_code == 409, name
    assert db.users.count_documents({}) == 1


@pytest.mark.db
def test_a_look_alike_of_your_name_signs_you_in(app, auth):
    auth.register("admin")
    assert post_login(app.test_client(), "\u0430dmin", PASSWORD).status_code == 302


def _legacy(db, name: str, password: str = PASSWORD) -> None:
    """A user stored by an older flaskr: its key is only the folded name."""
    db.users.insert_one(
        {
            "username": name,
            "username_key": folded(name),
            "password_hash": passwords.hash_password(password, 4),
            "password_scheme": passwords.SCHEME,
            "created_at": None,
            "last_login_at": None,
            "previous_login_at": None,
        }
    )


@pytest.mark.db
def test_users_of_an_older_version_sign_in_before_init_db(app, db):
    _legacy(db, "modern")
    assert post_login(app.test_client(), "modern", PASSWORD).status_code == 302


# init-db on the real server: mongomock cannot rebuild the partial unique index on e-mail
# addresses over existing users (it ignores partialFilterExpression there).
@pytest.mark.realdb
def test_init_db_rekeys_users_and_reports_look_alikes(backend, app, runner, db):
    _legacy(db, "admin")
    _legacy(db, "\u0430dmin", "cyrillic-password-77-orbit")
    _legacy(db, "modern")
    _legacy(db, "zoe")
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("username keys ok: 4 users, 2 updated") for line in lines)
    (collision,) = [line for line in lines if line.startswith("username look-alike:")]
    assert "'\u0430dmin' keeps its old key, 'admin' has the new one" in collision
    keys = {d["username"]: d["username_key"] for d in db.users.find()}
    assert keys["modern"] == users.username_key("modern")
    assert keys["admin"] == users.username_key("admin")
    assert keys["\u0430dmin"] == folded("\u0430dmin")  # kept, so it still signs in
    # Each still signs in with its own name and password.
    client = app.test_client()
    assert post_login(client, "\u0430dmin", "cyrillic-password-77-orbit").status_code == 302
    assert post_login(app.test_client(), "admin", PASSWORD).status_code == 302
    assert post_login(app.test_client(), "modem", PASSWORD).status_code == 302  # looks alike
    # Run again: nothing more to change, the collision is still said.
    again = runner.invoke(args=["init-db"]).output.splitlines()
    assert any(line.startswith("username keys ok: 4 users, 0 updated") for line in again)
    assert sum(line.startswith("username look-alike:") for line in again) == 1


@pytest.mark.db
def test_the_oldest_account_keeps_a_contested_key(app, db):
    # "rnodern" already is its own skeleton; "modern" wants the same key.
    _legacy(db, "rnodern")
    _legacy(db, "modern")
    with app.app_context():
        lines = users.rekey_report()
    assert lines[0].startswith("username keys ok: 2 users, 0 updated")
    assert lines[1:] == [
        "username look-alike: 'modern' keeps its old key, 'rnodern' has the new one; "
        "rename or delete one (`flask users delete`)"
    ]


@pytest.mark.db
def test_a_key_freed_by_one_change_lets_another_through(app, db):
    # "bob1" (stored first) wants "bobl", held as an old key by "zed", which moves to its
    # own key later in the same pass: a second pass lets "bob1" through.
    db.users.insert_one({"username": "bob1", "username_key": "bob1"})
    db.users.insert_one({"username": "zed", "username_key": "bobl"})
    with app.app_context():
        lines = users.rekey_report()
    assert lines == [f"username keys ok: 2 users, 2 updated ({names.version()})"]
    keys = {d["username"]: d["username_key"] for d in db.users.find()}
    assert keys == {"bob1": "bobl", "zed": "zed"}
