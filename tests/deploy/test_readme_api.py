"""The README's curl example of the JSON API, run as written against gunicorn on a real server."""

from __future__ import annotations

import json
import re
import subprocess
import uuid

import pymongo
import pytest

from tests.support.database import with_database
from tests.support.live import ROOT, Browser
from tests.support.web import PASSWORD

pytestmark = pytest.mark.realdb

README_BASE = "http://127.0.0.1:5000"
NEW_PASSWORD = "amber-lantern-42-glacier"


def api_example() -> str:
    """The first sh block of the README's "JSON API (v1)" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### JSON API (v1)") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "no sh block in the JSON API section"
    return match.group(1)


@pytest.fixture
def live(serve, real_server):
    name = f"flaskr_readme_{uuid.uuid4().hex[:12]}"
    uri = with_database(real_server, name)
    yield serve(uri)
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(name)


def test_the_readme_curl_example_does_what_it_says(live, tmp_path):
    script = api_example()
    assert README_BASE in script
    script = script.replace(README_BASE, f"http://{live.base}")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    registered, me, listed = (json.loads(line) for line in out[:3])
    assert registered["user"]["username"] == "alice"
    assert me["user"]["username"] == "alice"
    assert me["user"]["signed_in_at"] is not None
    (session,) = listed["sessions"]
    assert session["current"] is True
    assert session["device"] == "curl"
    # The password change answered 204 (curl's -w), and the logout said nothing.
    assert out[3:] == ["204"]
    browser = Browser()
    assert browser.login(live.base, "alice", PASSWORD).status == 401
    assert browser.login(live.base, "alice", NEW_PASSWORD).status == 302
