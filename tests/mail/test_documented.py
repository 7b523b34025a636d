"""The mail settings in the README's configuration table, the env example and the systemd unit."""

from __future__ import annotations

import re

from flaskr.config import DEFAULTS
from tests.deploy.test_deploy import unit
from tests.support.live import ROOT

MAIL_KEYS = [key for key in DEFAULTS if key.startswith("MAIL_")]


def test_there_are_mail_settings():
    assert MAIL_KEYS == [
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_USE_TLS",
        "MAIL_USE_SSL",
        "MAIL_FROM",
        "MAIL_MAX_ATTEMPTS",
        "MAIL_TIMEOUT",
    ]


def test_every_mail_setting_has_one_row_in_the_readme_with_its_variable_and_default():
    readme = (ROOT / "README.md").read_text()
    for key in MAIL_KEYS:
        rows = re.findall(rf"^\| `{key}` \| `FLASKR_{key}` \| ([^|]+) \| [^|]+ \|$", readme, re.M)
        assert len(rows) == 1, key
        default = DEFAULTS[key]
        if default is None:
            assert rows[0] == "none", key
        else:
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert rows[0].startswith(f"`{shown}`"), (key, rows[0])


def test_the_env_example_names_only_real_mail_settings():
    lines = (ROOT / "deploy" / "flaskr.env.example").read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if line.startswith("FLASKR_MAIL_")}
    assert names == {f"FLASKR_{key}" for key in MAIL_KEYS} - {
        "FLASKR_MAIL_USE_SSL",
        "FLASKR_MAIL_MAX_ATTEMPTS",
        "FLASKR_MAIL_TIMEOUT",
    }


def test_the_sender_unit_runs_flask_mail_send_like_the_app():
    mail, app = unit("flaskr-mail.service")["Service"], unit("flaskr.service")["Service"]
    assert mail["ExecStart"] == "/srv/flaskr/.venv/bin/flask --app flaskr mail send"
    for key in ("User", "WorkingDirectory", "EnvironmentFile", "Environment"):
        assert mail[key] == app[key], key
    assert mail["KillSignal"] == "SIGTERM"
    assert mail["Restart"] == "always"
