"""`flask db backup|restore` for a MongoDB server, through stand-ins for mongodump/mongorestore.

MongoDB Database Tools are not a Debian package; these stand-ins record how flaskr calls them.
The server is the embedded one, told apart from MongoDB by buildInfo: here it is taken for one.
"""

from __future__ import annotations

import gzip
import json
import stat
import sys
import textwrap

import pymongo
import pytest

from flaskr import backup, create_app
from flaskr.backup.dump import MAGIC
from flaskr.config import embedded_uri
from tests.support.live import Embedded

pytestmark = pytest.mark.realdb

TOOL = """\
    #!{python}
    import json, os, pathlib, stat, sys
    config = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--config="))
    record = {{"argv": sys.argv, "config": pathlib.Path(config).read_text(),
              "mode": stat.S_IMODE(os.stat(config).st_mode)}}
    pathlib.Path({log!r}).write_text(json.dumps(record))
    if os.environ.get("TOOL_FAILS"):
        sys.exit(sys.stderr.write("Failed: could not connect to " + record["config"]) and 3)
    archive = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--archive=")), None)
    if sys.argv[0].endswith("mongodump"):
        pathlib.Path(archive).write_bytes({dump!r})
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = Embedded(tmp_path_factory.mktemp("mongodump"))
    db.start()
    yield db
    db.stop()


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """mongodump and mongorestore stand-ins on the PATH; what each was given, in calls[name]."""
    folder = tmp_path / "bin"
    folder.mkdir()
    dump = gzip.compress(MAGIC + b"the rest of an archive")
    for name in ("mongodump", "mongorestore"):
        script = folder / name
        log = tmp_path / f"{name}.json"
        script.write_text(
            textwrap.dedent(TOOL.format(python=sys.executable, log=str(log), dump=dump))
        )
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setattr(backup, "_kind", lambda client: "mongodb")
    return lambda name: json.loads((tmp_path / f"{name}.json").read_text())


@pytest.fixture
def runner(server, tmp_path):
    """The CLI of an app whose MONGO_URI names the server (with a password in it)."""
    uri = embedded_uri(server.instance, server.port)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "MONGO_URI": uri, "BCRYPT_ROUNDS": 4})
    runner = app.test_cli_runner()
    runner.uri = uri
    runner.password = json.loads((server.instance / "db-credentials").read_text())["app"][
        "password"
    ]
    with pymongo.MongoClient(embedded_uri(server.instance, server.port, "admin")) as admin:
        admin.drop_database("flaskr")
    return runner


def test_mongodump_gets_the_uri_in_a_private_file_never_on_its_command_line(
    runner, tools, tmp_path
):
    result = runner.invoke(args=["db", "backup", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (made,) = tmp_path.glob("flaskr-*.mongodump.gz")
    assert result.output.startswith(f"Backed up the database to {made} (")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert list(tmp_path.glob("*.partial")) == []
    call = tools("mongodump")
    assert call["argv"][1:] == [call["argv"][1], f"--archive={made}.partial", "--gzip"]
    assert call["argv"][1].startswith("--config=")
    assert runner.password not in " ".join(call["argv"])
    assert call["config"] == f"uri: {json.dumps(runner.uri)}\n"
    assert call["mode"] == 0o600


def test_a_failing_mongodump_is_one_line_without_the_password(runner, tools, tmp_path, monkeypatch):
    monkeypatch.setenv("TOOL_FAILS", "1")
    result = runner.invoke(args=["db", "backup", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: mongodump failed (exit 3): Failed: could not connect")
    assert runner.password not in result.output and "***" in result.output
    assert list(tmp_path.glob("flaskr-*")) == []


def test_without_mongodump_it_says_so_plainly(runner, tools, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = runner.invoke(args=["db", "backup", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        "Error: mongodump is not on the PATH: a MongoDB server is backed up and restored with "
        "MongoDB Database Tools (https://www.mongodb.com/try/download/database-tools); install "
        "them, or use the embedded database\n"
    )


def test_mongorestore_replaces_a_database_with_data_only_when_forced(
    runner, tools, tmp_path, server
):
    archive = tmp_path / "dump.gz"
    archive.write_bytes(gzip.compress(MAGIC + b"..."))
    result = runner.invoke(args=["db", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Restored the database flaskr from {archive}.\n"
    assert tools("mongorestore")["argv"][2:] == [
        f"--archive={archive}",
        "--gzip",
        "--nsInclude=flaskr.*",
    ]
    with pymongo.MongoClient(runner.uri) as client:
        client.flaskr.users.insert_one({"username": "present"})
    result = runner.invoke(args=["db", "restore", str(archive)])
    assert result.exit_code == 1
    assert result.output == (
        "Error: the database flaskr holds data (users); --force drops those collections "
        "and restores\n"
    )
    result = runner.invoke(args=["db", "restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    assert tools("mongorestore")["argv"][-1] == "--drop"
