"""Each endpoint and each error code of /api/v1, on mongomock and on the real server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from flaskr import messages
from flaskr.identity.policy import Policy
from flaskr.web.filters import when
from tests.api.conftest import ApiClient
from tests.support.web import PASSWORD

pytestmark = pytest.mark.db


def test_csrf_gives_a_token_and_a_session_cookie(api, client):
    response = api.get("/csrf")
    assert response.status_code == 200
    assert response.get_json()["csrf_token"]
    assert client.get_cookie("session") is not None


def test_answers_with_tokens_or_accounts_are_not_cached(api):
    api.register()
    assert api.get("/csrf").headers["Cache-Control"] == "no-store"
    assert api.login().headers["Cache-Control"] == "no-store"
    assert api.me().headers["Cache-Control"] == "no-store"


def test_register_creates_the_account(api, db):
    response = api.register()
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert user["username"] == "alice"
    assert user["signed_in_at"] is None
    assert user["previous_login_at"] is None
    assert user["last_login_at"] is None
    created = datetime.fromisoformat(user["created_at"])
    stored = db.users.find_one({"username": "alice"})
    assert stored["created_at"] == created
    assert "password" not in str(response.get_json())


def test_register_duplicate_name_is_409_whatever_the_case(api, db):
    api.register()
    response = api.register("ALICE")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "username_taken"
    assert "fields" not in response.get_json()["error"]
    assert db.users.count_documents({}) == 1


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("al", PASSWORD, "username"),
        ("a b c", PASSWORD, "username"),
        ("x" * 33, PASSWORD, "username"),
        ("alice", "short", "password"),
        ("alice", "tab\there-long-enough", "password"),
    ],
)
def test_register_uses_the_forms_rules_and_messages(app, api, db, username, password, field):
    response = api.register(username, password)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    policy = Policy.from_config(app.config)
    reason = (
        policy.username_problem(username)
        if field == "username"
        else policy.password_problem(password, username)
    )
    assert reason
    assert error["fields"] == {field: reason}
    assert db.users.count_documents({}) == 0


def test_register_reports_both_fields_at_once(api):
    error = api.register("x", "y").get_json()["error"]
    assert set(error["fields"]) == {"username", "password"}


def test_login_signs_in_and_hands_over_a_new_csrf_token(api, db):
    api.register()
    old_token = api.csrf()
    response = api.login()
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == "alice"
    assert body["csrf_token"] != old_token
    assert db.sessions.count_documents({}) == 1
    assert api.me().get_json()["user"]["username"] == "alice"


def test_the_old_csrf_token_is_void_after_sign_in(api):
    api.register()
    old_token = api.csrf()
    api.login()
    response = api.post("/logout", headers={"X-CSRFToken": old_token})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert api.me().status_code == 200


def test_login_clears_the_session_it_came_with(api, client):
    api.register()
    api.csrf()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    api.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["csrf_token"]


def test_signing_in_again_ends_the_session_before(api, client, db):
    api.register()
    api.login()
    first = client.get_cookie("session").value
    assert api.login().status_code == 200
    assert db.sessions.count_documents({}) == 1
    client.set_cookie("session", first)
    assert api.me().status_code == 401


@pytest.mark.parametrize("username", ["alice", "ALICE"])
def test_login_any_case(api, username):
    api.register()
    assert api.login(username).status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("alice", PASSWORD + "x"), ("bob", PASSWORD), ("x", "y")]
)
def test_wrong_password_and_unknown_user_answer_alike(api, db, username, password):
    api.register()
    response = api.login(username, password)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {"code": "invalid_credentials", "message": messages.INCORRECT_LOGIN}
    }
    assert db.sessions.count_documents({}) == 0
    assert api.me().status_code == 401


def test_remember_me_sets_the_remember_cookie(api, client, db):
    api.register()
    assert api.login(remember=True).status_code == 200
    assert client.get_cookie("remember_token") is not None
    assert db.sessions.find_one({})["remember"] is True


def test_me_shows_the_account_without_secrets(api):
    api.register()
    api.login()
    user = api.me().get_json()["user"]
    assert set(user) == {
        "username",
        "created_at",
        "signed_in_at",
        "previous_login_at",
        "last_login_at",
        "email",
        "email_confirmed",
    }
    assert (user["email"], user["email_confirmed"]) == (None, False)
    assert datetime.fromisoformat(user["signed_in_at"]) >= datetime.fromisoformat(
        user["created_at"]
    )


def test_me_says_when_this_session_and_the_one_before_signed_in(api, client, clock, db):
    api.register()
    first_at = clock.at
    api.login()
    assert api.me().get_json()["user"]["previous_login_at"] is None
    clock.advance(minutes=5)
    api.login()
    user = api.me().get_json()["user"]
    # What the user page shows as "Previous sign-in", and this session's own sign-in.
    assert datetime.fromisoformat(user["previous_login_at"]) == first_at
    assert datetime.fromisoformat(user["signed_in_at"]) == db.sessions.find_one()["created_at"]
    assert user["last_login_at"] == user["signed_in_at"]  # deprecated, kept as it was
    page = client.get("/user").get_data(as_text=True)
    assert when(datetime.fromisoformat(user["previous_login_at"])) in page


def test_me_signed_out_is_401_json_not_a_redirect(api):
    response = api.me()
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert response.get_json()["error"]["code"] == "not_authenticated"


def test_logout_ends_the_session_on_the_server(api, client, db):
    api.register()
    api.login()
    stolen = client.get_cookie("session").value
    response = api.logout()
    assert response.status_code == 204
    assert response.data == b""
    assert db.sessions.count_documents({}) == 0
    assert api.me().status_code == 401
    # A copy of the cookie taken before signing out is dead too.
    client.set_cookie("session", stolen)
    assert api.me().status_code == 401


def test_logout_when_signed_out_is_still_204(api):
    assert api.logout().status_code == 204


@pytest.mark.parametrize("path", ["/register", "/login", "/logout"])
def test_every_post_needs_the_csrf_token(api, db, path):
    api.csrf()
    response = api.post(path, {"username": "alice", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert db.users.count_documents({}) == 0


def test_a_forged_csrf_token_is_refused(api, db):
    api.csrf()
    response = api.register(headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert db.users.count_documents({}) == 0


def test_api_and_form_share_accounts(api, auth):
    api.register()
    assert auth.login().headers["Location"] == "/user"


@pytest.mark.realdb
def test_racing_registrations_of_one_name_make_one_account(app, db, openapi_schema):
    # The unique index decides, not a check before the insert: the losers get 409, never 500.
    names = ["alice", "Alice", "ALICE", "alice", "aLiCe", "Alice", "alicE", "ALICE"]
    clients = [ApiClient(app.test_client(), openapi_schema) for _ in names]
    for c in clients:
        c.csrf()
    with ThreadPoolExecutor(len(names)) as pool:
        answers = pool.map(lambda c, name: c.register(name).status_code, clients, names)
        statuses = sorted(answers)
    assert statuses == [201] + [409] * (len(names) - 1)
    assert db.users.count_documents({}) == 1
