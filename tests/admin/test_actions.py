"""The actions on one account, from its admin page: each through the one door, audited as
`admin:<name>`, announced, refused for the last administrator, and never about a password."""

from __future__ import annotations

import pytest

from flaskr.identity import audit, clock, sessions, signals, throttle, users
from tests.admin.conftest import act, fresh, grant, user_id
from tests.support.users import add_user
from tests.support.web import PASSWORD, page_text, post_login, signed_in, signed_in_client
from tests.two_factor.helpers import to_step_start, turned_on

LAST_ADMIN = "That would leave no active administrator: grant the admin role to someone else first."


def stored(app, name):
    """The account's stored events: (event, actor, role or None)."""
    with app.app_context():
        found = audit.recent(users.find_user(name)["_id"], now=clock.now(), limit=100)
    return {(e["event"], e["actor"], (e.get("details") or {}).get("role")) for e in found}


@pytest.fixture
def heard():
    got = []

    def hear(sender, **details):
        got.append((details["actor"].name, details["username"]))

    names = ["account_disabled", "account_enabled", "account_unlocked", "session_revoked"]
    names += ["signed_out_everywhere", "role_granted", "role_revoked", "account_deleted"]
    for name in names:
        signals.event(name).connect(hear)
    yield got
    for name in names:
        signals.event(name).disconnect(hear)


@pytest.mark.db
def test_disable_signs_the_user_out_at_their_next_request_and_enable_lets_them_back(
    admin_app, admin, bob_browser, heard
):
    bob = user_id(admin_app, "bob")
    response = act(admin, f"/admin/users/{bob}/disable")
    assert response.headers["Location"] == f"/admin/users/{bob}"
    assert "bob is disabled; 1 session ended." in page_text(admin.get(response.headers["Location"]))
    assert not signed_in(bob_browser)
    assert post_login(bob_browser, "bob", PASSWORD).status_code == 401
    act(admin, f"/admin/users/{bob}/enable")
    assert post_login(bob_browser, "bob", PASSWORD).status_code == 302
    assert {
        ("account_disabled", "admin:alice", None),
        ("account_enabled", "admin:alice", None),
    } <= (stored(admin_app, "bob"))
    assert heard == [("admin:alice", "bob"), ("admin:alice", "bob")]


@pytest.mark.db
def test_unlock_lifts_a_lockout_and_the_list_shows_it(admin_app, admin):
    bob = user_id(admin_app, "bob")
    stranger = admin_app.test_client()
    for _ in range(admin_app.config["LOGIN_MAX_FAILURES"]):
        post_login(stranger, "bob", "wrong-password-1")
    assert post_login(stranger, "bob", PASSWORD).status_code == 429
    listed = page_text(admin.get("/admin/users?q=bob"))
    assert '<span class="status locked">locked</span>' in listed
    page = page_text(admin.get(f"/admin/users/{bob}"))
    assert "Lift the sign-in lockout" in page
    act(admin, f"/admin/users/{bob}/unlock")
    assert post_login(stranger, "bob", PASSWORD).status_code == 302
    assert ("account_unlocked", "admin:alice", None) in stored(admin_app, "bob")
    with admin_app.app_context():
        limits = throttle.Limits.from_config(admin_app.config)
        assert not throttle.locked(["bob"], now=clock.now(), limits=limits)


@pytest.mark.db
def test_end_one_session_or_every_session(admin_app, admin, bob_browser):
    second = signed_in_client(admin_app, "bob", ip="192.0.2.45")
    bob = user_id(admin_app, "bob")
    page = page_text(admin.get(f"/admin/users/{bob}"))
    assert "Sessions (2)" in page and "192.0.2.44" in page and "192.0.2.45" in page
    with admin_app.app_context():
        first = sessions.list_sessions(fresh(admin_app, "bob")["_id"], now=clock.now())
    one = next(s["_id"] for s in first if s["ip"] == "192.0.2.44")
    act(admin, f"/admin/users/{bob}/sessions/{one}/revoke")
    assert not signed_in(bob_browser) and signed_in(second)
    # Ended already: nothing to end, said plainly.
    again = act(admin, f"/admin/users/{bob}/sessions/{one}/revoke")
    assert again.status_code == 404
    assert "That session has ended already." in page_text(again)
    # Someone else's session id, here alice's own: not bob's, so 404 and alice stays.
    with admin_app.app_context():
        mine = sessions.list_sessions(fresh(admin_app, "alice")["_id"], now=clock.now())[0]
    assert act(admin, f"/admin/users/{bob}/sessions/{mine['_id']}/revoke").status_code == 404
    assert signed_in(admin)
    done = act(admin, f"/admin/users/{bob}/sessions/revoke")
    assert "Ended 1 session of bob." in page_text(admin.get(done.headers["Location"]))
    assert not signed_in(second)
    events = stored(admin_app, "bob")
    assert {
        ("session_revoked", "admin:alice", None),
        ("signed_out_everywhere", "admin:alice", None),
    } <= events


@pytest.mark.db
def test_grant_and_revoke_admin_and_the_last_admin_stays(admin_app, admin):
    alice, bob = user_id(admin_app, "alice"), user_id(admin_app, "bob")
    refused = act(admin, f"/admin/users/{alice}/admin/revoke")
    assert refused.status_code == 409
    assert LAST_ADMIN in page_text(refused)
    for action in ("disable", "delete"):
        data = {"confirm": "alice"} if action == "delete" else {}
        refused = act(admin, f"/admin/users/{alice}/{action}", **data)
        assert refused.status_code == 409, action
        assert LAST_ADMIN in page_text(refused)
    assert users.is_active_admin(fresh(admin_app, "alice"))
    act(admin, f"/admin/users/{bob}/admin/grant")
    assert users.roles(fresh(admin_app, "bob")) == ["admin"]
    again = act(admin, f"/admin/users/{bob}/admin/grant")
    assert "Nothing changed: bob was already like that." in page_text(
        admin.get(again.headers["Location"])
    )
    # Now there are two: alice may give up her own role (and then may not come back in).
    act(admin, f"/admin/users/{alice}/admin/revoke")
    assert users.roles(fresh(admin_app, "alice")) == []
    assert admin.get("/admin").status_code == 403
    assert ("role_granted", "admin:alice", "admin") in stored(admin_app, "bob")
    assert ("role_revoked", "admin:alice", "admin") in stored(admin_app, "alice")


@pytest.mark.db
def test_delete_needs_the_username_typed_exactly(admin_app, admin, bob_browser, heard):
    bob = user_id(admin_app, "bob")
    for typed in ["", "Bob", "bob ", "alice"]:
        refused = act(admin, f"/admin/users/{bob}/delete", confirm=typed)
        assert refused.status_code == 400, typed
        assert "Type the account's username exactly to delete it." in page_text(refused)
    assert fresh(admin_app, "bob") is not None
    done = act(admin, f"/admin/users/{bob}/delete", confirm="bob")
    assert done.headers["Location"] == "/admin/users"
    assert "bob and everything stored about the account have been deleted." in page_text(
        admin.get("/admin/users")
    )
    assert fresh(admin_app, "bob") is None
    assert not signed_in(bob_browser)
    assert heard[-1] == ("admin:alice", "bob")
    assert admin.get(f"/admin/users/{bob}").status_code == 404


@pytest.mark.db
def test_the_page_never_shows_or_asks_for_a_password(admin_app, admin):
    bob = user_id(admin_app, "bob")
    page = admin.get(f"/admin/users/{bob}").get_data(as_text=True)
    assert 'type="password"' not in page
    assert "password_hash" not in page and "$2b$" not in page
    assert "You never see or set a password here." in page_text(admin.get(f"/admin/users/{bob}"))


@pytest.mark.db
def test_every_action_is_a_post(admin_app, admin):
    bob = user_id(admin_app, "bob")
    for action in ["disable", "enable", "unlock", "sessions/revoke", "admin/grant", "delete"]:
        assert admin.get(f"/admin/users/{bob}/{action}").status_code == 405, action


@pytest.mark.db
def test_remove_second_factors_lets_the_password_alone_sign_in(make_app, clock):
    to_step_start(clock)
    app = make_app(ADMIN_REQUIRES_TWO_FACTOR=False)
    turned_on(app, clock, "bob")
    add_user(app, "alice")
    grant(app, "alice")
    admin = signed_in_client(app, "alice")
    bob = user_id(app, "bob")
    assert "Remove the second factors" in page_text(admin.get(f"/admin/users/{bob}"))
    done = act(admin, f"/admin/users/{bob}/two-factor/remove")
    page = page_text(admin.get(done.headers["Location"]))
    assert "bob's second factors are removed: the password alone signs in." in page
    assert "Remove the second factors" not in page
    assert post_login(app.test_client(), "bob", PASSWORD).headers["Location"] == "/user"
    assert ("two_factor_reset", "admin:alice", None) in stored(app, "bob")
    again = act(admin, f"/admin/users/{bob}/two-factor/remove")
    assert "Nothing changed" in page_text(admin.get(again.headers["Location"]))
