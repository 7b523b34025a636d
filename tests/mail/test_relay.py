"""The relay settings: login, STARTTLS, implicit TLS, the envelope, and bad values."""

from __future__ import annotations

import ssl

import pytest
import trustme
from aiosmtpd.smtp import AuthResult

from flaskr import create_app
from flaskr.config import DEFAULTS
from flaskr.mail import sender

from .test_delivery import drain, queue, stored


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A test CA the sender trusts (through SSL_CERT_FILE) and a server context for 127.0.0.1."""
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def logins():
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=auth_data.password == b"0123456789", handled=False)

    return seen, authenticator


def test_logs_in_over_starttls_with_mail_username_and_password(
    make_app, smtp_server, logins, tls, monkeypatch
):
    seen, authenticator = logins
    smtp_server.stop()
    smtp_server.start(
        authenticator=authenticator, auth_required=True, tls_context=tls, require_starttls=True
    )
    # A password of digits stays a string (FLASKR_ values are otherwise parsed as JSON).
    monkeypatch.setenv("FLASKR_MAIL_USERNAME", "mailer")
    monkeypatch.setenv("FLASKR_MAIL_PASSWORD", "0123456789")
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=True)
    queue(app)
    assert drain(app) == "Sent 1, deferred 0, failed 0.\n"
    assert seen == [("mailer", "0123456789")]
    assert len(smtp_server.messages) == 1


def test_a_refused_login_waits_for_the_settings_to_be_fixed(make_app, smtp_server, logins, tls):
    _, authenticator = logins
    smtp_server.stop()
    smtp_server.start(
        authenticator=authenticator, auth_required=True, tls_context=tls, require_starttls=True
    )
    app = make_app(
        **smtp_server.config(MAIL_USE_TLS=True, MAIL_USERNAME="mailer", MAIL_PASSWORD="wrong")
    )
    message_id = queue(app)
    assert drain(app) == "Sent 0, deferred 1, failed 0.\n"
    assert stored(app, message_id)["last_error"].startswith("535 ")
    assert smtp_server.messages == []


def test_starttls_when_mail_use_tls(make_app, smtp_server, tls):
    smtp_server.stop()
    smtp_server.start(tls_context=tls, require_starttls=True)
    app = make_app(**smtp_server.config(MAIL_USE_TLS=True))
    queue(app)
    assert drain(app) == "Sent 1, deferred 0, failed 0.\n"
    assert len(smtp_server.messages) == 1


def test_a_relay_that_wants_starttls_holds_the_mail_until_it_is_set(make_app, smtp_server, tls):
    smtp_server.stop()
    smtp_server.start(tls_context=tls, require_starttls=True)
    app = make_app(**smtp_server.config())
    message_id = queue(app)
    # 530 to MAIL FROM: our settings, not the message, so it is not failed for good.
    assert drain(app) == "Sent 0, deferred 1, failed 0.\n"
    assert stored(app, message_id)["last_error"].startswith("530 ")


def test_implicit_tls_when_mail_use_ssl(make_app, smtp_server, tls):
    smtp_server.stop()
    smtp_server.start(ssl_context=tls)
    app = make_app(**smtp_server.config(MAIL_USE_SSL=True))
    queue(app)
    assert drain(app) == "Sent 1, deferred 0, failed 0.\n"
    assert len(smtp_server.messages) == 1


def test_an_untrusted_certificate_is_refused(make_app, smtp_server, tls, monkeypatch):
    smtp_server.stop()
    smtp_server.start(ssl_context=tls)
    monkeypatch.delenv("SSL_CERT_FILE")
    app = make_app(**smtp_server.config(MAIL_USE_SSL=True))
    message_id = queue(app)
    assert drain(app) == "Sent 0, deferred 1, failed 0.\n"
    assert "CERTIFICATE_VERIFY_FAILED" in stored(app, message_id)["last_error"]
    assert smtp_server.messages == []


def test_the_settings_come_from_flaskr_variables(monkeypatch, tmp_path):
    env = {
        "SERVER": "smtp.example.test",
        "PORT": "587",
        "USERNAME": "12345",
        "PASSWORD": "true",
        "USE_TLS": "true",
        "USE_SSL": "false",
        "FROM": "Example <no-reply@example.test>",
        "MAX_ATTEMPTS": "4",
        "TIMEOUT": "2.5",
    }
    for key, value in env.items():
        monkeypatch.setenv(f"FLASKR_MAIL_{key}", value)
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(tmp_path))
    relay = sender.Relay.from_config(create_app().config)
    assert relay == sender.Relay(
        host="smtp.example.test",
        port=587,
        username="12345",
        password="true",
        use_tls=True,
        use_ssl=False,
        sender="Example <no-reply@example.test>",
        max_attempts=4,
        timeout=2.5,
    )
    assert relay.lease.total_seconds() == 25
    assert "password" not in repr(relay)  # a traceback or log line never shows it


def test_the_defaults():
    relay = sender.Relay.from_config(DEFAULTS)
    assert (relay.host, relay.port, relay.username, relay.password) == ("localhost", 25, None, None)
    assert (relay.use_tls, relay.use_ssl, relay.max_attempts, relay.timeout) == (
        False,
        False,
        10,
        30,
    )
    assert relay.sender == "flaskr <noreply@localhost>"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"MAIL_USE_TLS": True, "MAIL_USE_SSL": True},
            "set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL, not both",
        ),
        ({"MAIL_USE_TLS": "yes"}, "MAIL_USE_TLS must be true or false, not 'yes'"),
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT must be a positive number, not 'smtp'"),
        ({"MAIL_MAX_ATTEMPTS": 0}, "MAIL_MAX_ATTEMPTS must be a positive number, not 0"),
        ({"MAIL_TIMEOUT": True}, "MAIL_TIMEOUT must be a positive number, not True"),
        ({"MAIL_FROM": "<>"}, "MAIL_FROM is not an address: '<>'"),
    ],
)
def test_a_bad_setting_stops_the_sender_with_one_line(make_app, setting, message):
    app = make_app(**setting)
    result = app.test_cli_runner().invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 1
    assert result.output == f"Error: flaskr: {message}.\n"
