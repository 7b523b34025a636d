"""The language of each page: the footer's switch (a cookie), else Accept-Language, else English;
`<html lang>` follows, and so does every sentence."""

from __future__ import annotations

import re

import pytest

from flaskr import messages
from flaskr.identity import users
from tests.support.web import PASSWORD, csrf_token, page_text, signed_in_client


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def heading(response) -> str:
    return re.search(r"<h1>([^<]*)</h1>", response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("accept", "lang", "title"),
    [
        (None, "en", "Sign in"),
        ("nl", "nl", "Inloggen"),
        ("de-DE,de;q=0.9,en;q=0.5", "de", "Anmelden"),
        ("nl-BE", "nl", "Inloggen"),
        ("de;q=0.4, nl;q=0.8", "nl", "Inloggen"),
        ("fr-FR, fr", "en", "Sign in"),
        ("*", "en", "Sign in"),
        ("<script>;;q=x", "en", "Sign in"),
    ],
)
def test_accept_language_chooses_among_the_shipped_languages(client, accept, lang, title):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get("/auth/login", headers=headers)
    assert response.status_code == 200
    assert html_lang(response) == lang
    assert heading(response) == title


def test_the_cookie_wins_over_accept_language(client):
    client.set_cookie("lang", "de")
    response = client.get("/auth/login", headers={"Accept-Language": "nl"})
    assert html_lang(response) == "de"
    assert "Passwort vergessen?" in page_text(response)


@pytest.mark.parametrize("value", ["xx", "", "nl; Path=/", "../de", "EN", "de" * 100])
def test_a_cookie_of_no_shipped_language_is_ignored(client, value):
    client.set_cookie("lang", value)
    response = client.get("/auth/login", headers={"Accept-Language": "nl"})
    assert response.status_code == 200
    assert html_lang(response) == "nl"


def switch(client, lang="nl", next_path="/auth/register", **extra):
    data = {"csrf_token": csrf_token(client), "lang": lang, "next": next_path, **extra}
    return client.post("/language", data=data)


def lang_cookie(response) -> str | None:
    """The Set-Cookie header for `lang`, if the response sets it."""
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    return found[0] if found else None


def test_the_switch_remembers_the_choice_and_goes_back(client):
    response = switch(client, "nl", "/auth/register?next=/user")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/register?next=/user"
    cookie = lang_cookie(response)
    assert cookie.startswith("lang=nl;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    page = client.get("/auth/register", headers={"Accept-Language": "de"})
    assert html_lang(page) == "nl"
    assert heading(page) == "Een account aanmaken"


def test_every_page_offers_the_switch_with_the_current_language_marked(client):
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'action="/language"' in page
    buttons = re.findall(
        r'<button type="submit" class="link" name="lang" value="(\w+)"[^>]*>', page
    )
    assert buttons == ["en", "nl", "de"]
    assert re.search(r'value="de" lang="de" aria-current="true">Deutsch<', page)
    assert 'name="next" value="/"' in page


def test_the_switch_needs_the_csrf_token(client):
    response = client.post("/language", data={"lang": "nl", "next": "/"})
    assert response.status_code == 303  # the form-expired answer: back, with a word of why
    assert lang_cookie(response) is None
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\nLocation: https://evil.example",
        "",
    ],
)
def test_the_switch_goes_back_only_to_a_path_of_this_site(client, target):
    response = switch(client, "de", target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert lang_cookie(response).startswith("lang=de;")


@pytest.mark.parametrize("lang", ["xx", "", "nl ", "NL", "en-US", "{'$ne': 1}"])
def test_an_unknown_language_changes_nothing(client, lang):
    response = switch(client, lang)
    assert response.status_code == 303
    assert lang_cookie(response) is None


def test_a_repeated_or_missing_language_is_refused_or_ignored(client):
    token = csrf_token(client)
    repeated = client.post("/language", data={"csrf_token": token, "lang": ["nl", "de"]})
    assert 400 <= repeated.status_code < 500 or lang_cookie(repeated) is None
    missing = client.post("/language", data={"csrf_token": token})
    assert missing.status_code == 303 and lang_cookie(missing) is None


def test_the_switch_is_a_post(client):
    assert client.get("/language?lang=nl").status_code == 405


@pytest.mark.db
def test_a_signed_in_switch_becomes_the_account_language(app, db, alice):
    client = signed_in_client(app)
    assert switch(client, "de", "/user").status_code == 303
    assert db.users.find_one({"username": "alice"})["language"] == "de"
    events = [e["event"] for e in db.auth_events.find({"event": "language_changed"})]
    assert events == ["language_changed"]
    # The same choice again is no change: no second event.
    switch(client, "de", "/user")
    assert db.auth_events.count_documents({"event": "language_changed"}) == 1
    assert "Sprache geändert" in page_text(client.get("/user"))


@pytest.mark.db
def test_a_signed_out_switch_writes_nothing(app, db, client):
    switch(client, "nl")
    assert db.auth_events.count_documents({}) == 0


@pytest.mark.db
def test_registration_keeps_the_language_the_page_was_in(app, db, client):
    client.set_cookie("lang", "nl")
    data = {"username": "bram", "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 302
    assert db.users.find_one({"username": "bram"})["language"] == "nl"
    assert "Welkom, bram." in page_text(client.get("/user"))


@pytest.mark.db
def test_an_english_registration_stores_english(app, db, client):
    data = {"username": "erin", "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/auth/register", data=data).status_code == 302
    assert users.language_of(db.users.find_one({"username": "erin"})) == "en"


def test_a_dutch_page_says_everything_in_dutch(client):
    headers = {"Accept-Language": "nl"}
    data = {"username": "nobody", "password": "wrong", "csrf_token": csrf_token(client)}
    page = page_text(client.post("/auth/login", data=data, headers=headers))
    assert "Er is een probleem" in page
    assert "Uw inloggegevens kloppen niet" in page
    assert "Wachtwoord vergeten?" in page
    assert "<title>Fout: Inloggen · flaskr</title>" in page
    assert str(messages.INCORRECT_LOGIN) not in page


def test_a_german_error_page(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert heading(response) == "Seite nicht gefunden"
    assert "Zur Startseite" in page_text(response)


def test_a_german_form_error_names_the_policy_in_german(client):
    data = {"username": "a", "password": "x", "csrf_token": csrf_token(client)}
    page = page_text(client.post("/auth/register", data=data, headers={"Accept-Language": "de"}))
    assert "Der Benutzername muss 3 bis 32 Zeichen lang sein." in page
    assert "Das Passwort muss mindestens 8 Zeichen lang sein." in page


def test_the_api_keeps_its_codes_and_translates_its_messages(client):
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    response = client.post(
        "/api/v1/login",
        json={"username": "nobody", "password": "wrong-password"},
        headers={"X-CSRFToken": token, "Accept-Language": "nl"},
    )
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "invalid_credentials"
    assert error["message"].startswith("Uw inloggegevens kloppen niet")


def test_the_command_line_stays_english(app):
    with app.app_context():
        assert str(messages.INCORRECT_LOGIN).startswith("Your login details")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "4 March 2026, 05:06 UTC"),
        ("nl", "4 maart 2026, 05:06 UTC"),
        ("de", "4. März 2026, 05:06 UTC"),
    ],
)
def test_times_read_in_the_page_language(app, lang, text):
    from datetime import datetime

    from flaskr.web.filters import when

    with app.test_request_context(headers={"Accept-Language": lang}):
        assert when(datetime(2026, 3, 4, 5, 6, 7)) == text


def test_zxcvbn_feedback_is_translated_too(client):
    data = {"username": "someone", "password": "password1", "csrf_token": csrf_token(client)}
    page = page_text(client.post("/auth/register", data=data, headers={"Accept-Language": "nl"}))
    assert "Dit is een heel veelgebruikt wachtwoord." in page
    assert "Voeg nog een of twee woorden toe." in page
