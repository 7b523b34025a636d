"""Live sessions per account are capped; a new sign-in past the cap ends the oldest
(issue 18, point 2)."""

from __future__ import annotations

import pytest

from flaskr.config import DEFAULTS
from tests.support.users import add_user
from tests.support.web import PASSWORD, post_login


def test_the_default_cap_is_fifty():
    assert DEFAULTS["SESSION_MAX_PER_USER"] == 50


@pytest.mark.db
def test_signing_in_past_the_cap_ends_the_oldest_sessions(make_app, clock, db):
    app = make_app(SESSION_MAX_PER_USER=3)
    add_user(app)
    browsers = []
    for minute in range(5):
        clock.advance(minutes=1)
        browser = app.test_client()
        assert post_login(browser, "alice", PASSWORD, ip=f"192.0.2.{minute}").status_code == 302
        browsers.append(browser)
    with app.app_context():
        from flaskr.db import get_db

        assert get_db().sessions.count_documents({}) == 3
    signed_in = [b.get("/user").status_code == 200 for b in browsers]
    assert signed_in == [False, False, True, True, True]


@pytest.mark.db
def test_other_accounts_sessions_are_untouched(make_app, db):
    app = make_app(SESSION_MAX_PER_USER=1)
    add_user(app)
    add_user(app, "bob")
    bob = app.test_client()
    assert post_login(bob, "bob", PASSWORD).status_code == 302
    for _ in range(3):
        assert post_login(app.test_client(), "alice", PASSWORD).status_code == 302
    assert bob.get("/user").status_code == 200
