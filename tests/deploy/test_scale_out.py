"""Two app processes, one database, one SECRET_KEY: a session is the same on both."""

from __future__ import annotations

import uuid

import pymongo
import pytest

from tests.support.database import with_database
from tests.support.live import Browser
from tests.support.web import PASSWORD

pytestmark = pytest.mark.realdb


@pytest.fixture
def shared_uri(real_server):
    name = f"flaskr_scale_{uuid.uuid4().hex[:12]}"
    uri = with_database(real_server, name)
    yield uri
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(name)


@pytest.fixture
def two_apps(serve, shared_uri):
    return serve(shared_uri), serve(shared_uri)


def test_two_processes_share_sessions(two_apps):
    a, b = two_apps
    assert a.proc.pid != b.proc.pid and a.port != b.port
    browser = Browser()
    assert browser.register(a.base, "alice", PASSWORD).status == 302
    # Registered on A, signed in on B: the account lives in the shared database.
    assert browser.login(b.base, "alice", PASSWORD).headers["Location"] == "/user"
    for app in (a, b):
        page = browser.get(app.base, "/user")
        assert page.status == 200
        assert "alice" in page.text


def test_signing_out_on_one_ends_the_session_on_the_other(two_apps):
    a, b = two_apps
    browser = Browser()
    browser.register(a.base, "alice", PASSWORD)
    browser.login(a.base, "alice", PASSWORD)
    copied = browser.copy()  # the same cookie, kept elsewhere
    assert copied.get(b.base, "/user").status == 200
    assert browser.logout(b.base).headers["Location"] == "/"
    for app in (a, b):
        response = copied.get(app.base, "/user")
        assert response.status == 302
        assert response.headers["Location"].startswith("/auth/login")


def test_signing_out_everywhere_on_one_ends_sessions_on_the_other(two_apps):
    a, b = two_apps
    laptop, phone = Browser(), Browser()
    laptop.register(a.base, "alice", PASSWORD)
    assert laptop.login(a.base, "alice", PASSWORD).status == 302
    assert phone.login(b.base, "alice", PASSWORD).status == 302
    assert phone.get(b.base, "/user").status == 200
    done = laptop.form(a.base, "/account/sessions/revoke", "/account")
    assert done.headers["Location"] == "/account"
    for app in (a, b):
        assert phone.get(app.base, "/user").status == 302  # the phone is signed out
        assert laptop.get(app.base, "/user").status == 200  # this device stays in


def test_failed_sign_ins_on_both_add_up_to_one_lockout(serve, shared_uri):
    limits = {"FLASKR_LOGIN_MAX_FAILURES": "4"}
    a, b = serve(shared_uri, **limits), serve(shared_uri, **limits)
    Browser().register(a.base, "alice", PASSWORD)
    for app in (a, b, a, b):
        assert Browser().login(app.base, "alice", PASSWORD + "x").status == 401
    # Four failures, two on each: the right password is now refused on both.
    for app in (a, b):
        refused = Browser().login(app.base, "alice", PASSWORD)
        assert refused.status == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Too many failed sign-in attempts" in refused.text
