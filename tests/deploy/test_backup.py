"""`flask db backup` and `flask db restore` on the embedded database, as an operator runs them."""

from __future__ import annotations

import json
import shutil
import stat
import tarfile

import pytest

from flaskr import create_app
from flaskr_dev import embedded
from tests.support.live import Embedded
from tests.support.web import PASSWORD
from tests.test_cli_process import flask

pytestmark = pytest.mark.realdb


@pytest.fixture
def database(tmp_path):
    db = Embedded(tmp_path)
    db.start()
    yield db
    db.stop()


@pytest.fixture
def cli(database, monkeypatch):
    """`flask --app flaskr ARGS` in this process, finding the database as `make run`'s do."""
    monkeypatch.delenv("MONGO_URI", raising=False)
    monkeypatch.delenv("FLASKR_MONGO_URI", raising=False)
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(database.instance))
    monkeypatch.setenv("EMBEDDED_DB_PORT", str(database.port))
    apps = []

    def run(*args: str, **config: object):
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "BCRYPT_ROUNDS": 4, **config})
        apps.append(app)
        return app.test_cli_runner().invoke(args=list(args))

    yield run
    for app in apps:
        app.extensions["flaskr.mongo"].close()


def created(db: Embedded, *names: str) -> None:
    for name in names:
        done = flask(db.env(), "users", "create", name, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr


def usernames(db: Embedded) -> list[str]:
    done = flask(db.env(), "users", "list")
    assert done.returncode == 0, done.stderr
    return [line.split()[0] for line in done.stdout.splitlines()[1:-1]]


def test_the_cli_finds_the_embedded_database_as_make_run_does(database):
    """No MONGO_URI: instance/db-credentials and EMBEDDED_DB_PORT, as the launcher's children."""
    done = flask(database.env(), "init-db")
    assert done.returncode == 0, done.stderr
    where = f"mongodb://***@127.0.0.1:{database.port}/flaskr?authSource=admin"
    assert done.stdout.splitlines()[-1] == f"Initialised the database at {where}."
    created(database, "carol")
    assert usernames(database) == ["carol"]
    passwords = json.loads((database.instance / "db-credentials").read_text())
    assert passwords["app"]["password"] not in done.stdout + done.stderr


def test_backup_wipe_restore(database, tmp_path):
    created(database, "alice", "bob")
    backups = tmp_path / "backups"
    backups.mkdir()
    done = flask(database.env(), "db", "backup", str(backups))
    assert done.returncode == 0, done.stderr
    (archive,) = backups.iterdir()
    assert archive.name.startswith("flaskr-") and archive.name.endswith(".secantus.tar.gz")
    assert done.stdout.startswith(f"Backed up the database to {archive} (")
    # Password hashes inside: for the owner's eyes only.
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    created(database, "after-the-backup")

    done = flask(database.env(), "db", "restore", str(archive))
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: the database in {database.storage} is running: stop it first (every "
        "`make run`, or systemctl stop flaskr flaskr-db)\n"
    )
    database.stop()
    shutil.rmtree(database.storage)  # the disaster
    done = flask(database.env(), "db", "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Restored {database.storage} from {archive}.")
    assert stat.S_IMODE(database.storage.stat().st_mode) == 0o700
    database.start()
    assert usernames(database) == ["alice", "bob"]


def test_restore_over_a_database_needs_force_and_keeps_the_old_one(database, cli, tmp_path):
    created(database, "alice")
    archive = tmp_path / "one.tar.gz"
    assert cli("db", "backup", str(archive)).exit_code == 0
    created(database, "bob")
    database.stop()
    result = cli("db", "restore", str(archive))
    assert result.exit_code == 1
    assert "already holds a database; --force moves it aside" in result.output
    result = cli("db", "restore", "--force", str(archive))
    assert result.exit_code == 0, result.output
    (aside,) = database.instance.glob("db.replaced-*")
    assert result.output.startswith(f"Moved the database that was there to {aside}.\n")
    database.start()
    assert usernames(database) == ["alice"]
    database.stop()
    # Nothing was lost: the replaced database is still whole, and can be put back.
    shutil.rmtree(database.storage)
    aside.rename(database.storage)
    database.start()
    assert usernames(database) == ["alice", "bob"]


def test_keep_removes_the_oldest_of_its_own_backups_only(cli, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / f"flaskr-2020010{i}T000000Z.secantus.tar.gz" for i in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"an older backup")
    other = backups / "notes.txt"
    other.write_text("not a backup")
    result = cli("db", "backup", str(backups), "--keep", "2")
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("Removed")] == [
        f"Removed the older backup {path}." for path in old[:2]
    ]
    (new,) = [path for path in backups.glob("flaskr-*") if path not in old]
    assert sorted(backups.iterdir()) == sorted([old[2], new, other])


def test_backup_refuses_to_replace_a_file(cli, tmp_path):
    existing = tmp_path / "taken.tar.gz"
    existing.write_text("keep me")
    result = cli("db", "backup", str(existing))
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {existing} already exists; a backup never replaces a file\n",
    )
    assert existing.read_text() == "keep me"
    result = cli("db", "backup", str(existing), "--keep", "3")
    assert result.exit_code == 2 and "--keep needs PATH to be a folder" in result.output
    result = cli("db", "backup", str(tmp_path / "no-such-folder" / "backup.tar.gz"))
    assert result.output == f"Error: {tmp_path / 'no-such-folder'} is not a folder\n"


def test_restore_refuses_what_is_not_a_backup(database, cli, tmp_path):
    database.stop()
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"\x1f\x8b not really")
    result = cli("db", "restore", str(junk))
    assert result.output == (
        f"Error: {junk} is neither a SecantusDB archive nor a mongodump archive\n"
    )
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(__file__, arcname="notes.py")
    result = cli("db", "restore", str(other))
    assert result.output == (
        f"Error: {other} is not a SecantusDB archive (no WiredTiger file inside)\n"
    )
    assert not database.storage.joinpath("notes.py").exists()


def test_a_truncated_archive_is_refused_before_anything_is_touched(database, cli, tmp_path):
    archive = tmp_path / "whole.tar.gz"
    assert cli("db", "backup", str(archive)).exit_code == 0
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    database.stop()
    shutil.rmtree(database.storage)
    result = cli("db", "restore", str(cut))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {cut} is not a readable SecantusDB archive (")
    assert not database.storage.exists()
    assert list(database.instance.glob(".db.restoring-*")) == []


def test_backup_of_a_stopped_database_is_one_line(database, cli, tmp_path):
    database.stop()
    result = cli("db", "backup", str(tmp_path), MONGO_TIMEOUT_MS=300)
    assert result.exit_code == 1
    assert result.output.startswith("Error: database unreachable: 127.0.0.1:")
    assert result.output.count("\n") == 1
    assert list(tmp_path.glob("flaskr-*")) == []


def test_a_secantus_archive_goes_into_the_embedded_database_only(cli, tmp_path):
    archive = tmp_path / "one.tar.gz"
    assert cli("db", "backup", str(archive)).exit_code == 0
    result = cli(
        "db", "restore", str(archive), MONGO_URI=f"mongodb://127.0.0.1:{embedded.free_port()}/x"
    )
    assert result.output == (
        "Error: a SecantusDB archive restores into the embedded database only (MONGO_URI unset)\n"
    )
