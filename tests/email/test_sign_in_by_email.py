"""The sign-in form's username field takes a confirmed address too; failures count per
account whichever identifier was typed, and an unknown address like an unknown username."""

from __future__ import annotations

import pytest

from flaskr import messages
from tests.support.email import add_user, database
from tests.support.web import PASSWORD, page_text, post_login

WRONG = "not-the-password"


@pytest.mark.db
@pytest.mark.parametrize("typed", ["alice@example.com", "ALICE@Example.com", " alice@example.com"])
def test_a_confirmed_address_signs_in_whatever_its_case(app, client, typed):
    add_user(app, "alice", "Alice@example.com")
    response = post_login(client, typed.strip(), PASSWORD)
    assert response.status_code == 302
    assert client.get("/user").status_code == 200


@pytest.mark.db
def test_an_unconfirmed_address_is_like_an_unknown_one(app, client):
    add_user(app, "alice", "alice@example.com", confirmed=False)
    pending = post_login(client, "alice@example.com", PASSWORD)
    unknown = post_login(client, "nobody@example.com", PASSWORD)
    assert pending.status_code == unknown.status_code == 401
    assert messages.INCORRECT_LOGIN in page_text(pending)


@pytest.mark.db
def test_sign_in_with_email_can_be_turned_off(make_app):
    app = make_app(SIGN_IN_WITH_EMAIL=False)
    add_user(app, "alice", "alice@example.com")
    assert post_login(app.test_client(), "alice@example.com", PASSWORD).status_code == 401
    assert 'for="username">Username<' in app.test_client().get("/auth/login").get_data(as_text=True)


def test_the_field_says_it_takes_an_address_and_room_for_one(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Username or e-mail address" in page
    assert 'maxlength="254"' in page


@pytest.mark.db
def test_alternating_username_and_address_shares_one_budget(app, client):
    add_user(app, "alice", "alice@example.com")
    limit = app.config["LOGIN_MAX_FAILURES"]
    typed = ["alice", "alice@example.com"] * limit
    statuses = [post_login(client, name, WRONG).status_code for name in typed[:limit]]
    assert statuses == [401] * limit
    for name in ("alice", "ALICE@example.com"):
        locked = post_login(client, name, PASSWORD)
        assert locked.status_code == 429
    # One counter, the account's (hashed), not one per identifier.
    counters = database(app).login_failures.count_documents({"_id": {"$regex": "^user:"}})
    assert counters == 1


@pytest.mark.db
def test_an_unknown_address_is_counted_and_locked_like_an_unknown_username(app, client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for name in ("nobody@example.com", "nobody"):
        assert [post_login(client, name, WRONG).status_code for _ in range(limit)] == [401] * limit
        assert post_login(client, name, WRONG).status_code == 429
