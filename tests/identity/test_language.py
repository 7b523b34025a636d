"""The account's language (the one its mail is written in): only a shipped language's code
is stored, through the one door, and a change is audited."""

from __future__ import annotations

import pytest

from flaskr.identity import accounts, audit, users
from flaskr.identity.audit import Actor
from flaskr.web.context import settings
from tests.support.web import PASSWORD

BROWSER = Actor.self("203.0.113.9", "Mozilla/5.0 Firefox/128.0")


@pytest.fixture
def rules(app):
    with app.test_request_context():
        yield settings()


def events(db, name):
    return db.auth_events.count_documents({"event": name})


@pytest.mark.db
def test_a_new_account_keeps_a_shipped_language_only(rules, db):
    dutch = accounts.create_account("bram", PASSWORD, language="nl", actor=BROWSER, settings=rules)
    assert db.users.find_one({"_id": dutch["_id"]})["language"] == "nl"
    other = accounts.create_account("chloe", PASSWORD, language="fr", actor=BROWSER, settings=rules)
    assert "language" not in db.users.find_one({"_id": other["_id"]})
    assert users.language_of(other) is None


@pytest.mark.db
@pytest.mark.parametrize("language", ["fr", "", "NL", {"$ne": "en"}, ["nl"], None])
def test_set_language_refuses_what_is_not_a_shipped_code(rules, db, language):
    user = accounts.create_account("alice", PASSWORD, actor=BROWSER, settings=rules)
    assert not accounts.set_language(user, language, actor=BROWSER, settings=rules)
    assert "language" not in db.users.find_one({"_id": user["_id"]})
    assert events(db, audit.LANGUAGE_CHANGED) == 0


@pytest.mark.db
def test_set_language_writes_and_audits_a_change_once(rules, db):
    user = accounts.create_account("alice", PASSWORD, actor=BROWSER, settings=rules)
    assert accounts.set_language(user, "de", actor=BROWSER, settings=rules)
    assert not accounts.set_language(user, "de", actor=BROWSER, settings=rules)
    assert db.users.find_one({"_id": user["_id"]})["language"] == "de"
    assert events(db, audit.LANGUAGE_CHANGED) == 1


def test_a_stored_value_that_is_not_text_is_no_language():
    assert users.language_of({"language": {"$gt": ""}}) is None
    assert users.language_of({}) is None
    assert users.language_of({"language": "nl"}) == "nl"
