"""The embedded database admits only flaskr's users, on the real server (SecantusDB)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading

import pymongo
import pytest
from pymongo.errors import OperationFailure, ServerSelectionTimeoutError

from flaskr.config import embedded_uri
from flaskr_dev import access, embedded
from tests.support.live import ROOT

pytestmark = pytest.mark.realdb


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One provisioned database, with --auth, for the tests that only look at it."""
    instance = tmp_path_factory.mktemp("served") / "instance"
    port = embedded.free_port()
    proc = access.serve(instance, port, instance / "db", instance / "secantusd.log")
    yield instance, port
    embedded.stop(proc)


def client(uri, **options):
    return pymongo.MongoClient(uri, **{"serverSelectionTimeoutMS": 3000, **options})


def refused_code(action) -> int:
    with pytest.raises(OperationFailure) as e:
        action()
    return e.value.code


def test_the_passwords_are_kept_in_instance_for_the_owner_alone(served):
    instance, _ = served
    path = instance / "db-credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = json.loads(path.read_text())
    assert {users["app"]["user"], users["admin"]["user"]} == {"flaskr", "flaskr-admin"}
    assert users["app"]["password"] != users["admin"]["password"]
    assert len(users["app"]["password"]) >= 40  # 32 random bytes


def test_a_connection_without_credentials_is_refused(served):
    _, port = served
    with client(f"mongodb://127.0.0.1:{port}/flaskr") as anonymous:
        assert refused_code(lambda: anonymous.flaskr.users.find_one()) == 13
        assert refused_code(lambda: anonymous.flaskr.users.insert_one({"username": "x"})) == 13
        assert refused_code(lambda: anonymous.admin.command("usersInfo", "flaskr")) == 13


def test_a_wrong_password_is_refused(served):
    _, port = served
    uri = f"mongodb://flaskr:not-the-password@127.0.0.1:{port}/flaskr?authSource=admin"
    with client(uri) as wrong:
        assert refused_code(lambda: wrong.flaskr.users.find_one()) == 18


def test_the_app_user_reads_and_writes_its_database_only(served):
    instance, port = served
    with client(embedded_uri(instance, port)) as app:
        assert app.admin.command("connectionStatus")["authInfo"]["authenticatedUsers"] == [
            {"user": "flaskr", "db": "admin"}
        ]
        app.flaskr.probe.insert_one({"ok": 1})
        assert app.flaskr.probe.find_one({}, {"_id": 0}) == {"ok": 1}
        assert refused_code(lambda: app.other.probe.insert_one({})) == 13
        assert refused_code(lambda: app.admin.command("createUser", "x", pwd="y", roles=[])) == 13
        # A flaw in the app could not make the server write files (backups are the admin's).
        backup = {"outputPath": str(instance / "stolen.tar.gz")}
        assert (
            refused_code(lambda: app.admin.command("secantusAdmin.backupArchive", **backup)) == 13
        )
    with client(embedded_uri(instance, port, "admin")) as admin:
        assert admin.admin.command("usersInfo", "flaskr")["users"][0]["roles"] == [
            {"role": "readWrite", "db": "flaskr"}
        ]
    assert access.problem(port, instance) is None


def test_the_users_are_made_where_no_one_else_can_connect(tmp_path):
    """Provisioning runs the server without --auth but behind a client certificate."""
    tls = access.self_signed(tmp_path)
    port = embedded.free_port()
    proc = embedded.start(port, tmp_path / "db", tmp_path / "log", tls=tls)
    try:
        with (
            client(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=1000) as plain,
            pytest.raises(ServerSelectionTimeoutError),
        ):
            plain.admin.command("usersInfo", "flaskr")
        options = {"tls": True, "tlsCAFile": str(tls.cert), "serverSelectionTimeoutMS": 1000}
        with (
            client(f"mongodb://127.0.0.1:{port}/", **options) as no_cert,
            pytest.raises(ServerSelectionTimeoutError),
        ):
            no_cert.admin.command("usersInfo", "flaskr")
        with client(
            f"mongodb://127.0.0.1:{port}/", tlsCertificateKeyFile=str(tls.client), **options
        ) as ours:
            assert ours.admin.command("usersInfo", "flaskr")["users"] == []
    finally:
        embedded.stop(proc)


def test_a_database_made_before_credentials_gets_them_and_keeps_its_data(tmp_path):
    """An instance/db from before this version (no users, no --auth) is provisioned."""
    instance, storage = tmp_path / "instance", tmp_path / "instance" / "db"
    port = embedded.free_port()
    old = embedded.start(port, storage)
    with client(f"mongodb://127.0.0.1:{port}/flaskr") as before:
        before.flaskr.users.insert_one({"username": "old-timer"})
    embedded.stop(old)
    assert access.problem(port, instance) is not None  # nothing listens: not a database

    proc = access.serve(instance, port, storage, tmp_path / "log")
    try:
        assert access.problem(port, instance) is None
        with client(embedded_uri(instance, port)) as app:
            assert app.flaskr.users.find_one({}, {"_id": 0}) == {"username": "old-timer"}
        # Restored from another instance's backup: that one's passwords are reset to ours.
        (instance / "db-credentials").unlink()
        access.credentials(instance)
        assert access.problem(port, instance) == (
            f"it refuses the users in {instance / 'db-credentials'}"
        )
    finally:
        embedded.stop(proc)
    proc = access.serve(instance, port, storage, tmp_path / "log")
    try:
        assert access.problem(port, instance) is None
        with client(embedded_uri(instance, port, "admin")) as admin:
            assert admin.flaskr.users.count_documents({}) == 1
    finally:
        embedded.stop(proc)


def test_a_server_without_auth_is_named_as_such(tmp_path, served):
    instance, _ = served
    port = embedded.free_port()
    proc = embedded.start(port, tmp_path / "db")
    try:
        with client(f"mongodb://127.0.0.1:{port}/") as open_server:
            for role, account in json.loads((instance / "db-credentials").read_text()).items():
                open_server.admin.command(
                    "createUser", account["user"], pwd=account["password"], roles=access.ROLES[role]
                )
        assert access.problem(port, instance) == "it runs without authentication"
    finally:
        embedded.stop(proc)


def test_something_that_is_not_a_database(served):
    instance, _ = served
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        problem = access.problem(listener.getsockname()[1], instance)
    assert problem.startswith("it does not answer as a database")


def test_credentials_are_made_once_by_concurrent_launchers(tmp_path):
    barrier = threading.Barrier(6)
    seen = []

    def launch():
        barrier.wait(10)
        seen.append(json.dumps(access.credentials(tmp_path)))

    threads = [threading.Thread(target=launch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(seen) == 6 and len(set(seen)) == 1


def test_stop_pid_stops_the_server_another_process_started(tmp_path):
    storage = tmp_path / "db"
    port = embedded.free_port()
    proc = embedded.start(port, storage)
    try:
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with pytest.raises(RuntimeError, match="not SecantusDB"):
            embedded.stop_pid(sleeper.pid, storage)  # a stale pid now names another process
        sleeper.kill()
        sleeper.wait()
        embedded.stop_pid(proc.pid, storage)
        assert not embedded.storage_in_use(storage)
        assert proc.wait(10) is not None
    finally:
        proc.kill()
        proc.wait()


def test_provision_db_prepares_a_stopped_database_for_the_service(tmp_path):
    """deploy/flaskr-db.service runs it before each start, then starts the server with --auth."""
    instance, storage = tmp_path / "var-lib-flaskr", tmp_path / "var-lib-flaskr-db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASKR_", "EMBEDDED_"))}
    env.update(FLASKR_INSTANCE_PATH=str(instance), EMBEDDED_DB_PATH=str(storage))
    command = [sys.executable, "-m", "flaskr_dev", "provision-db"]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout == f"The database in {storage} admits the users in {instance}/db-credentials.\n"
    )
    port = embedded.free_port()
    proc = embedded.start(port, storage, auth=True)
    try:
        assert access.problem(port, instance) is None
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert (done.returncode, done.stdout) == (
            1,
            f"Stop the database of {storage} first (systemctl stop flaskr-db).\n",
        )
    finally:
        embedded.stop(proc)
