"""Helpers for the e-mail features' tests: accounts with addresses, the outbox, links.

Until a message reaches an SMTP server (tests/mail), what a flow sends is what it queued:
the `outbox` collection, read here like the sender would.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flaskr.identity import accounts, users
from flaskr.identity.audit import Actor
from flaskr.web.context import settings
from tests.support.web import PASSWORD, csrf_token

PUBLIC_URL = "https://auth.example.com"
NEW_PASSWORD = "quartz-meadow-51-lantern"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
BROWSER = Actor.self("203.0.113.9", FIREFOX)
# A reset or confirmation link, whatever the app's PUBLIC_URL.
LINK_RE = re.compile(r"https?://[^\s\"'<>]+/auth/(?:reset|confirm)/[\w-]+")


def database(app):
    with app.app_context():
        from flaskr.db import get_db

        return get_db()


def add_user(app, username="alice", email: str | None = "alice@example.com", *, confirmed=True):
    """An account made straight in the store, its address confirmed (or only awaiting)."""
    with app.app_context():
        user = users.create_user(username, PASSWORD, app.config["BCRYPT_ROUNDS"], email=email)
        if email and confirmed:
            users.confirm_email(user["_id"], email)
        return users.find_user_by_id(user["_id"])


def queued(app, **query) -> list[dict]:
    """The queued messages matching `query`, oldest first."""
    return list(database(app).outbox.find(query).sort("created_at", 1))


def the_message(app, **query) -> dict:
    found = queued(app, **query)
    assert len(found) == 1, [(m["kind"], m["to"]) for m in queued(app)]
    return found[0]


def link_path(message: dict) -> str:
    """The path of the one reset or confirmation link in a message's text (the same link is in
    its HTML)."""
    [link] = LINK_RE.findall(message["text"])
    assert f'href="{link}"' in message["html"]
    return urlsplit(link).path


def forgot(client, email: str, ip: str = "198.51.100.7"):
    """Post the forgot form; buffered, so the work after the response has run on return."""
    data = {"email": email, "csrf_token": csrf_token(client, "/auth/forgot")}
    return client.post("/auth/forgot", data=data, environ_base={"REMOTE_ADDR": ip}, buffered=True)


def door(app):
    """The app's identity settings, inside a request context, for calling the door directly."""
    return app.test_request_context()


def request_reset_for(app, user) -> str:
    """Queue a reset link for `user` through the door; return its path."""
    with app.test_request_context():
        assert accounts.request_reset(user, actor=BROWSER, settings=settings())
    return link_path(queued(app, kind="reset")[-1])
