"""Who may enter the admin area: the role, a second factor, and for every action a password
given recently; signed out and without the role are refused the same on every route."""

from __future__ import annotations

import pytest

from flaskr.identity import users
from tests.admin.conftest import act, fresh, grant, user_id
from tests.support.web import PASSWORD, page_text, post_login, signed_in_client
from tests.two_factor.helpers import TwoFactorPages, code_at, to_step_start, turned_on

PAGES = ["/admin", "/admin/users", "/admin/users?q=b", "/admin/audit", "/admin/audit.csv"]
ACTIONS = [
    "disable",
    "enable",
    "unlock",
    "sessions/revoke",
    "sessions/" + "0" * 64 + "/revoke",
    "admin/grant",
    "admin/revoke",
    "two-factor/remove",
    "send-reset",
    "delete",
]


def every_route(app):
    bob = user_id(app, "bob")
    return [("get", p) for p in [*PAGES, f"/admin/users/{bob}"]] + [
        ("post", f"/admin/users/{bob}/{a}") for a in ACTIONS
    ]


@pytest.mark.db
def test_signed_out_every_route_goes_to_the_sign_in_page(admin_app):
    client = admin_app.test_client()
    for method, path in every_route(admin_app):
        if method == "post":
            continue  # a POST without a session has no CSRF token: 400 before anything
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/auth/login?next=%2Fadmin"), path


@pytest.mark.db
def test_without_the_role_every_route_is_403_and_nothing_changes(admin_app, bob_browser):
    for method, path in every_route(admin_app):
        response = act(bob_browser, path) if method == "post" else bob_browser.get(path)
        assert response.status_code == 403, path
        assert "Your account does not have the role this page needs." in page_text(response)
    bob = fresh(admin_app, "bob")
    assert bob is not None and not users.is_disabled(bob)
    assert users.roles(bob) == []


@pytest.mark.db
def test_the_link_shows_for_administrators_only_and_follows_a_grant(admin_app, admin, bob_browser):
    assert 'href="/admin"' in admin.get("/user").get_data(as_text=True)
    assert 'href="/admin"' not in bob_browser.get("/user").get_data(as_text=True)
    grant(admin_app, "bob")
    # bob's session, already open, hears of the role: no need to sign in again.
    assert 'href="/admin"' in bob_browser.get("/user").get_data(as_text=True)
    assert bob_browser.get("/admin").status_code == 200


@pytest.mark.db
def test_a_revoked_administrator_is_refused_at_the_next_request(admin_app, admin):
    grant(admin_app, "bob")
    bob = signed_in_client(admin_app, "bob")
    assert bob.get("/admin/users").status_code == 200
    response = act(admin, f"/admin/users/{user_id(admin_app, 'bob')}/admin/revoke")
    assert response.status_code == 302
    assert bob.get("/admin/users").status_code == 403


@pytest.mark.db
def test_with_a_second_factor_the_administrator_enters(make_app, clock):
    to_step_start(clock)
    app = make_app()
    secret, _ = turned_on(app, clock)  # alice, with an authenticator app
    grant(app, "alice")
    client = app.test_client()
    assert post_login(client, "alice", PASSWORD).headers["Location"].startswith("/auth/two-factor")
    clock.advance(seconds=30)  # the code that turned it on is used up: the next one
    assert TwoFactorPages(client).code(code_at(secret, clock.at)).status_code == 302
    assert client.get("/admin").status_code == 200
    assert "<td>yes</td>" in client.get("/admin/users").get_data(as_text=True)


@pytest.mark.db
def test_an_action_without_a_recent_password_asks_for_it_first(admin_app, admin, clock):
    bob = user_id(admin_app, "bob")
    clock.advance(minutes=admin_app.config["REAUTH_MINUTES"] + 1)
    assert admin.get(f"/admin/users/{bob}").status_code == 200  # looking needs no password
    response = act(admin, f"/admin/users/{bob}/disable")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/auth/reauthenticate?next=/admin/users/{bob}"
    assert not users.is_disabled(fresh(admin_app, "bob"))
    page = admin.get(response.headers["Location"])
    assert "admin actions need it given in the last few minutes" in page_text(page)
    again = TwoFactorPages(admin).reauthenticate(next=f"/admin/users/{bob}")
    assert again.headers["Location"] == f"/admin/users/{bob}"
    assert act(admin, f"/admin/users/{bob}/disable").status_code == 302
    assert users.is_disabled(fresh(admin_app, "bob"))


@pytest.mark.db
def test_an_action_without_its_csrf_token_is_refused_and_changes_nothing(admin_app, admin):
    bob = user_id(admin_app, "bob")
    # Sent back to the page it came from, which says the form expired.
    refused = admin.post(f"/admin/users/{bob}/disable")
    assert refused.status_code == 303
    assert not users.is_disabled(fresh(admin_app, "bob"))


@pytest.mark.db
@pytest.mark.parametrize("bad", ["nope", "0" * 24, "'; drop", "a" * 300])
def test_an_unknown_user_is_404(admin, bad):
    assert admin.get(f"/admin/users/{bad}").status_code == 404
    assert act(admin, f"/admin/users/{bad}/disable").status_code == 404
