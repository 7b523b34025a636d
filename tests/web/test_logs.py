"""Logs: one line per request and per auth event, JSON when LOG_FORMAT=json, no secrets."""

from __future__ import annotations

import json
import logging

import pytest

from flaskr import create_app
from flaskr.config import ConfigError
from flaskr.identity import users
from tests.support.web import PASSWORD, AuthActions


def lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def json_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in lines(capsys)]


@pytest.fixture
def json_app(make_app):
    return make_app(LOG_FORMAT="json")


def test_one_json_line_per_request(json_app, capsys):
    client = json_app.test_client()
    capsys.readouterr()
    client.get("/healthz")
    client.get("/nowhere")
    first, second = json_lines(capsys)
    assert first["logger"] == "flaskr.request"
    assert first["level"] == "info"
    assert first["message"] == "request"
    assert first["time"].endswith("+00:00")
    assert {k: first[k] for k in ("method", "path", "status", "ip")} == {
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "ip": "127.0.0.1",
    }
    assert isinstance(first["ms"], float)
    assert (second["path"], second["status"]) == ("/nowhere", 404)


def test_text_request_line(make_app, capsys):
    client = make_app(LOG_FORMAT="text").test_client()
    capsys.readouterr()
    client.get("/healthz?x=1")
    (line,) = lines(capsys)
    assert " INFO flaskr.request: request method=GET path=/healthz status=200 ms=" in line
    assert line.endswith(" ip=127.0.0.1")
    assert "x=1" not in line  # the query string may carry a token: never logged


def test_a_path_cannot_forge_a_log_line(make_app, capsys):
    client = make_app(LOG_FORMAT="text").test_client()
    capsys.readouterr()
    client.get("/a%0A2026-01-01 INFO flaskr.audit: forged")
    (line,) = lines(capsys)
    assert 'path="/a\\n2026-01-01 INFO flaskr.audit: forged"' in line


def test_credentials_in_a_url_are_logged_as_the_route(make_app, capsys):
    app = make_app(LOG_FORMAT="json")
    app.add_url_rule("/reset/<token>", "reset", lambda token: "ok")
    client = app.test_client()
    capsys.readouterr()
    client.get("/reset/s3cr3t-reset-token")
    (line,) = json_lines(capsys)
    assert line["path"] == "/reset/<token>"


def test_auth_event_fields_are_rendered_and_secrets_redacted(json_app, capsys):
    capsys.readouterr()
    logging.getLogger("flaskr.audit").info(
        "sign-in failed",
        extra={
            "event": "login_failed",
            "user_id": "6566a0b1c2d3e4f5a6b7c8d9",
            "ip": "203.0.113.9",
            "user_agent": "curl/8",
            "password": PASSWORD,
            "session_token": "abc",
        },
    )
    (line,) = json_lines(capsys)
    assert line["logger"] == "flaskr.audit"
    assert line["message"] == "sign-in failed"
    assert line["event"] == "login_failed"
    assert line["ip"] == "203.0.113.9"
    assert line["password"] == line["session_token"] == "[redacted]"
    assert PASSWORD not in json.dumps(line)


def test_auth_event_fields_in_text(make_app, capsys):
    make_app(LOG_FORMAT="text")
    capsys.readouterr()
    logging.getLogger("flaskr.audit").warning(
        "throttled", extra={"event": "throttled", "username": "al ice"}
    )
    (line,) = lines(capsys)
    assert line.endswith('WARNING flaskr.audit: throttled event=throttled username="al ice"')


def test_exceptions_stay_on_one_json_line(json_app, capsys):
    capsys.readouterr()
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("flaskr").exception("failed")
    (line,) = json_lines(capsys)
    assert line["level"] == "error"
    assert "ValueError: boom" in line["exception"]


def test_a_whole_sign_in_logs_no_password_no_token_no_cookie(json_app, capsys):
    client = json_app.test_client()
    auth = AuthActions(client)
    auth.register()
    auth.login(remember=True)
    cookies = [client.get_cookie(name).value for name in ("session", "remember_token")]
    client.get("/user")
    auth.logout()
    output = capsys.readouterr().err
    events = [json.loads(line) for line in output.splitlines()]
    # Registering signs in: the sign-in form then leads to the user page, whose token it uses.
    assert [e["status"] for e in events if e["logger"] == "flaskr.request"] == [
        200,
        302,
        302,
        200,
        302,
        200,
        200,
        302,
    ]
    for secret in [PASSWORD, *cookies]:
        assert secret not in output


def test_log_format_from_the_plain_environment_variable(make_app, monkeypatch, capsys):
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    app = make_app()
    capsys.readouterr()
    app.test_client().get("/healthz")
    assert json_lines(capsys)[0]["path"] == "/healthz"


def test_unknown_log_format_refuses_to_start(instance_path):
    with pytest.raises(ConfigError) as e:
        create_app({"SECRET_KEY": "k", "LOG_FORMAT": "xml"})
    assert str(e.value) == "flaskr: LOG_FORMAT must be 'text' or 'json', not 'xml'."


def test_one_line_per_message_however_many_apps(make_app, capsys):
    for _ in range(3):
        make_app(LOG_FORMAT="text")
    capsys.readouterr()
    logging.getLogger("flaskr.audit").info("once")
    (line,) = lines(capsys)
    assert line.endswith("flaskr.audit: once")


def test_a_message_cannot_forge_a_log_line(make_app, capsys):
    make_app(LOG_FORMAT="text")
    capsys.readouterr()
    logging.getLogger("flaskr.audit").info("no such user %s", "eve\n2026 INFO forged")
    (line,) = lines(capsys)
    assert line.endswith("flaskr.audit: no such user eve\\n2026 INFO forged")


@pytest.mark.db
def test_a_text_audit_line_says_each_thing_once(make_app, capsys):
    app = make_app(LOG_FORMAT="text")
    auth = AuthActions(app.test_client())
    auth.register()
    capsys.readouterr()
    auth.login(headers={"User-Agent": "tests/1.0"})
    (line,) = [x for x in lines(capsys) if " flaskr.audit: " in x]
    with app.app_context():
        user_id = str(users.find_user("alice")["_id"])
    assert line.endswith(
        f" INFO flaskr.audit: sign_in event=sign_in user_id={user_id} actor=self"
        " client_ip=127.0.0.1 user_agent=tests/1.0"
    )
    assert line.count(user_id) == line.count("127.0.0.1") == line.count("self") == 1
