"""SecantusDB's own backup: a consistent archive made by the running server, restored offline.

The server checkpoints and tars its files in one step (`secantusAdmin.backupArchive`), so the
archive is one moment of every collection, taken while the app keeps running. Restoring puts
those files back in place of the database's folder while the database is stopped, which is
how SecantusDB (like mongod's file snapshots) is restored.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

METADATA = "WiredTiger"  # the file that makes a folder a WiredTiger database


class Refused(Exception):
    """The archive or the database is not in a state to go on with; the message says why."""


def backup(client: Any, target: Path) -> None:
    """Have the server behind `client` write its archive to `target` (never overwritten)."""
    partial = target.with_name(target.name + ".partial")
    # Made here first (O_EXCL, 0600): the server writes into it and keeps its mode, so the
    # password hashes inside are never readable by others, even for a moment.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        client.admin.command("secantusAdmin.backupArchive", outputPath=str(partial.resolve()))
        check(partial)
        os.link(partial, target)  # fails rather than replace a file of the same name
    finally:
        partial.unlink(missing_ok=True)


def check(path: Path) -> int:
    """How many files SecantusDB archive `path` holds, read to its end; Refused if not one."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = tar.getnames()  # reads the whole stream: a truncated archive fails here
    except (tarfile.TarError, EOFError, OSError) as e:
        raise Refused(f"{path} is not a readable SecantusDB archive ({e})") from None
    if METADATA not in names:
        raise Refused(f"{path} is not a SecantusDB archive (no {METADATA} file inside)")
    return len(names)


def is_archive(path: Path) -> bool:
    """Whether `path` is a tar archive (SecantusDB's kind) rather than mongodump's."""
    try:
        with tarfile.open(path, "r:*") as tar:
            return tar.next() is not None
    except (tarfile.TarError, EOFError):
        return False


def in_use(storage: Path) -> bool:
    """Whether a server has `storage` open (WiredTiger holds a lock on WiredTiger.lock)."""
    try:
        fd = os.open(storage / "WiredTiger.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def restore(archive: Path, storage: Path, force: bool) -> Path | None:
    """Put `archive`'s files in `storage`; with `force` an existing database is moved aside.

    Returns where the replaced database went (None if there was none).
    """
    check(archive)
    if in_use(storage):
        raise Refused(
            f"the database in {storage} is running: stop it first (every `make run`, or "
            "systemctl stop flaskr flaskr-db)"
        )
    aside = None
    if storage.is_dir() and any(storage.iterdir()):
        if not force:
            raise Refused(
                f"{storage} already holds a database; --force moves it aside "
                f"({storage.name}.replaced-<time>) and restores in its place"
            )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = storage.with_name(f"{storage.name}.replaced-{stamp}")
    storage.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the target and renamed into place: never half a database in `storage`.
    unpacked = Path(tempfile.mkdtemp(prefix=f".{storage.name}.restoring-", dir=storage.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        if aside is not None:
            storage.rename(aside)
        elif storage.exists():
            storage.rmdir()  # an empty folder
        unpacked.rename(storage)
    except BaseException:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise
    return aside
