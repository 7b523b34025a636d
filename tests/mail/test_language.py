"""Mail is written in the account's language, whatever language the request that sent it was
in: delivered to a real SMTP server (aiosmtpd on loopback) by `flask mail send`."""

from __future__ import annotations

import pytest

from flaskr.identity import users
from tests.support.email import PUBLIC_URL, add_user, forgot
from tests.support.web import IPHONE, PASSWORD, post_login, signed_in_client

from .test_account_flows import arrived, drain, register, text_of


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(**smtp_server.config(PUBLIC_URL=PUBLIC_URL, MAIL_FROM="flaskr <n@example.com>"))


def speaks(app, username: str, language: str) -> None:
    with app.app_context():
        user = users.find_user(username)
        assert users.set_language(user["_id"], language)


@pytest.mark.db
def test_a_dutch_account_gets_its_reset_link_in_dutch(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    speaks(app, "alice", "nl")
    # Asked for from an English page: the mail still follows the account.
    forgot(app.test_client(), "alice@example.com")
    drain(app)
    mail = arrived(smtp_server, "alice@example.com", "Stel uw wachtwoord opnieuw in")
    text = text_of(mail)
    assert "Iemand, hopelijk u, heeft gevraagd om het wachtwoord van het account alice" in text
    assert "binnen 60 minuten" in text
    html = mail.get_body(("html",)).get_content()
    assert '<html lang="nl">' in html
    assert "Was u het niet, negeer dan dit bericht" in html


@pytest.mark.db
def test_a_german_account_gets_its_notice_in_german(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    speaks(app, "alice", "de")
    signed_in_client(app)
    # A new device, from a Dutch page: the notice is German all the same.
    phone = app.test_client()
    phone.environ_base.update({"HTTP_USER_AGENT": IPHONE, "HTTP_ACCEPT_LANGUAGE": "nl"})
    assert post_login(phone, "alice", PASSWORD, ip="203.0.113.20").status_code == 302
    drain(app)
    mail = arrived(smtp_server, "alice@example.com", "Neue Anmeldung bei Ihrem Konto")
    text = text_of(mail)
    assert "Bei Ihrem Konto alice hat sich ein Gerät angemeldet" in text
    assert "Wann:" in text and "Von: 203.0.113.20" in text and "Gerät: Safari unter iPhone" in text
    assert " UTC" in text


@pytest.mark.db
def test_an_account_without_a_language_gets_english(app, smtp_server):
    add_user(app, "alice", "alice@example.com")
    german = app.test_client()
    german.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    forgot(german, "alice@example.com")
    drain(app)
    arrived(smtp_server, "alice@example.com", "Reset your password")


@pytest.mark.db
def test_registering_on_a_dutch_page_sends_the_confirmation_in_dutch(app, smtp_server):
    browser = app.test_client()
    browser.set_cookie("lang", "nl")
    assert register(browser, "bram", "bram@example.com").status_code == 302
    drain(app)
    mail = arrived(smtp_server, "bram@example.com", "Bevestig uw e-mailadres")
    assert "binnen 24 uur en druk op de knop" in text_of(mail)
