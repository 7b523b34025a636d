"""The API's e-mail endpoints: forgot (202 always), reset (204, 400 invalid_token, 422),
confirm (204, 400 invalid_token), and the address in `me` and at registration."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import users
from tests.identity.test_signin import CodeFactor
from tests.support.email import NEW_PASSWORD, add_user, database, link_path, queued
from tests.support.web import PASSWORD

# The link's path ends with its token.
token_of = lambda message: link_path(message).rsplit("/", 1)[1]  # noqa: E731


def forgot(api, email: str):
    # Buffered: the response is closed on return, so the work after it has run.
    return api.post("/password/forgot", {"email": email}, buffered=True)


@pytest.mark.db
def test_forgot_is_202_with_no_body_for_a_known_and_an_unknown_address(app, api):
    add_user(app, "alice", "alice@example.com")
    known, unknown = forgot(api, "alice@example.com"), forgot(api, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data() == b""
    [message] = queued(app, kind="reset")
    assert message["to"] == "alice@example.com"


def test_forgot_refuses_what_is_not_an_address(api, app):
    response = forgot(api, "alice")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"email": messages.EMAIL_INVALID}
    assert queued(app) == []


@pytest.mark.db
def test_reset_sets_the_password_once(app, api):
    add_user(app, "alice", "alice@example.com")
    forgot(api, "alice@example.com")
    token = token_of(queued(app, kind="reset")[0])
    body = {"token": token, "new_password": NEW_PASSWORD}
    assert api.post("/password/reset", body).status_code == 204
    again = api.post("/password/reset", body)
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "invalid_token"
    assert api.login("alice", NEW_PASSWORD).status_code == 200
    assert queued(app, kind="password_reset")[0]["to"] == "alice@example.com"


@pytest.mark.db
def test_reset_holds_the_password_to_the_policy(app, api):
    add_user(app, "alice", "alice@example.com")
    forgot(api, "alice@example.com")
    token = token_of(queued(app, kind="reset")[0])
    weak = api.post("/password/reset", {"token": token, "new_password": "password"})
    assert weak.status_code == 422
    assert set(weak.get_json()["error"]["fields"]) == {"new_password"}
    assert (
        api.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD}).status_code
        == 204
    )


@pytest.mark.parametrize("token", ["", "nope", "x" * 43])
def test_reset_with_an_unknown_token_is_400(api, token):
    response = api.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "invalid_token",
        "message": messages.LINK_INVALID,
    }


@pytest.mark.db
def test_reset_of_an_account_with_a_factor_needs_its_code(app, api):
    app.extensions["flaskr.factors"].append(CodeFactor({"alice": "424242"}))
    add_user(app, "alice", "alice@example.com")
    forgot(api, "alice@example.com")
    body = {"token": token_of(queued(app, kind="reset")[0]), "new_password": NEW_PASSWORD}
    missing = api.post("/password/reset", body)
    assert (missing.status_code, set(missing.get_json()["error"]["fields"])) == (422, {"code"})
    wrong = api.post("/password/reset", {**body, "method": "test_code", "code": "1"})
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (401, "invalid_code")
    right = api.post("/password/reset", {**body, "method": "test_code", "code": "424242"})
    assert right.status_code == 204


@pytest.mark.db
def test_register_with_an_address_and_confirm_it(app, api):
    response = api.post(
        "/register", {"username": "alice", "password": PASSWORD, "email": "Alice@Example.com"}
    )
    assert response.status_code == 201
    assert response.get_json()["user"]["email"] == "Alice@Example.com"
    assert response.get_json()["user"]["email_confirmed"] is False
    api.login()
    token = token_of(queued(app, kind="confirm")[0])
    assert api.post("/email/confirm", {"token": token}).status_code == 204
    # The signed-in session shows the change at once (its copy of the address is updated).
    me = api.me().get_json()["user"]
    assert (me["email"], me["email_confirmed"]) == ("Alice@Example.com", True)
    again = api.post("/email/confirm", {"token": token})
    assert (again.status_code, again.get_json()["error"]["code"]) == (400, "invalid_token")


@pytest.mark.db
def test_confirming_an_address_another_account_confirmed_first_is_409(app, api):
    api.post("/register", {"username": "alice", "password": PASSWORD, "email": "s@example.com"})
    add_user(app, "bob", "s@example.com")
    token = token_of(queued(app, kind="confirm")[0])
    response = api.post("/email/confirm", {"token": token})
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "email_taken")


@pytest.mark.db
def test_register_with_a_taken_address_answers_as_with_a_free_one(app, api):
    add_user(app, "bob", "bob@example.com")
    taken = api.post(
        "/register", {"username": "alice", "password": PASSWORD, "email": "bob@example.com"}
    )
    free = api.post(
        "/register", {"username": "carol", "password": PASSWORD, "email": "c@example.com"}
    )
    assert taken.status_code == free.status_code == 201
    assert queued(app, kind="email_claimed")[0]["to"] == "bob@example.com"
    assert queued(app, kind="confirm", to="bob@example.com") == []


def test_register_refuses_a_bad_address_and_a_missing_one_when_required(make_app):
    from tests.api.conftest import ApiClient

    app = make_app(EMAIL_REQUIRED=True)
    api = ApiClient(app.test_client(), None)
    api.checked = lambda response, method, path: response
    bad = api.post("/register", {"username": "alice", "password": PASSWORD, "email": "nope"})
    missing = api.post("/register", {"username": "alice", "password": PASSWORD})
    for response in (bad, missing):
        assert response.status_code == 422
        assert set(response.get_json()["error"]["fields"]) == {"email"}
    assert database(app).users.count_documents({}) == 0


@pytest.mark.db
def test_sign_in_with_a_confirmed_address(app, api):
    add_user(app, "alice", "alice@example.com")
    response = api.login("ALICE@example.com")
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "alice"
    with app.app_context():
        assert users.find_by_email("alice@example.com")["username"] == "alice"
