"""`flask --app flaskr db backup|restore`: backups taken while the app runs, and their restore.

The embedded database (SecantusDB) is backed up with its own consistent archive; a MongoDB
server with `mongodump`, when it is installed. Which one is asked of the server itself.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pymongo
from flask import Flask, current_app

from ..config import embedded_storage, embedded_uri
from ..db import Commands
from . import archive, dump


class _Commands(Commands):
    """Backup commands: a refusal (bad archive, database in the way) ends in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except archive.Refused as e:
            raise click.ClickException(str(e)) from None


db_cli = _Commands("db", help="Back up the database while the app runs, and restore a backup.")

SUFFIXES = {"secantus": ".secantus.tar.gz", "mongodb": ".mongodump.gz"}
PREFIX = "flaskr-"


def _embedded() -> bool:
    """Whether the app uses the embedded database (MONGO_URI not given)."""
    config = current_app.config
    instance = Path(current_app.instance_path)
    return config["MONGO_URI"] == embedded_uri(instance, config["EMBEDDED_DB_PORT"])


def _privileged_uri() -> str:
    """The app's URI, as the embedded database's admin when it is that one (archives need it)."""
    config = current_app.config
    if _embedded():
        return embedded_uri(Path(current_app.instance_path), config["EMBEDDED_DB_PORT"], "admin")
    return config["MONGO_URI"]


def _client(uri: str) -> Any:
    if uri.startswith("mongomock://"):
        raise click.ClickException("backups need a real database server, not mongomock")
    # No socket timeout: a large archive takes as long as it takes.
    timeout = current_app.config["MONGO_TIMEOUT_MS"]
    return pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout, appname="flaskr-backup")


def _kind(client: Any) -> str:
    """`secantus` for SecantusDB (it says so in buildInfo), `mongodb` for anything else."""
    return "secantus" if "secantusVersion" in client.admin.command("buildInfo") else "mongodb"


def _target(path: Path, kind: str) -> Path:
    if path.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return path / f"{PREFIX}{stamp}{SUFFIXES[kind]}"
    if path.exists():
        raise click.ClickException(f"{path} already exists; a backup never replaces a file")
    if not path.parent.is_dir():
        raise click.ClickException(f"{path.parent} is not a folder")
    return path


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups this command made in `folder`."""
    made = sorted(
        p
        for p in folder.iterdir()
        if p.name.startswith(PREFIX) and p.name.endswith(tuple(SUFFIXES.values()))
    )
    old = made[:-keep]
    for path in old:
        path.unlink()
    return old


@db_cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), help="With a folder: keep this many newest.")
def backup_command(path: Path, keep: int | None) -> None:
    """Back up the database to PATH, a new file or a folder (named by the time, in UTC)."""
    if keep is not None and not path.is_dir():
        raise click.UsageError("--keep needs PATH to be a folder")
    began = time.monotonic()
    with _client(_privileged_uri()) as client:
        kind = _kind(client)
        target = _target(path.resolve(), kind)
        try:
            if kind == "secantus":
                archive.backup(client, target)
            else:
                dump.backup(current_app.config["MONGO_URI"], target)
        except FileExistsError:  # another backup of the same second, or its leftover
            raise click.ClickException(f"{target} (or its .partial) already exists") from None
    took = time.monotonic() - began
    click.echo(f"Backed up the database to {target} ({target.stat().st_size} bytes, {took:.1f} s).")
    if keep is not None:
        for old in prune(path, keep):
            click.echo(f"Removed the older backup {old}.")


@db_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restore the backup in PATH; a database that holds data is replaced only with --force."""
    if archive.is_archive(path):
        _restore_archive(path.resolve(), force)
    elif dump.is_archive(path):
        _restore_dump(path.resolve(), force)
    else:
        raise archive.Refused(f"{path} is neither a SecantusDB archive nor a mongodump archive")


def _restore_archive(path: Path, force: bool) -> None:
    if not _embedded():
        raise archive.Refused(
            "a SecantusDB archive restores into the embedded database only (MONGO_URI unset)"
        )
    storage = embedded_storage(current_app.config, Path(current_app.instance_path))
    aside = archive.restore(path, storage, force)
    if aside is not None:
        click.echo(f"Moved the database that was there to {aside}.")
    click.echo(
        f"Restored {storage} from {path}. Start the database again: make run, or "
        "systemctl start flaskr-db flaskr."
    )


def _restore_dump(path: Path, force: bool) -> None:
    uri = current_app.config["MONGO_URI"]
    with _client(uri) as client:
        database = client.get_default_database()
        held = [name for name in database.list_collection_names() if database[name].find_one()]
    if held and not force:
        raise archive.Refused(
            f"the database {database.name} holds data ({', '.join(sorted(held))}); "
            "--force drops those collections and restores"
        )
    dump.restore(uri, path, database.name, replace=bool(held))
    click.echo(f"Restored the database {database.name} from {path}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
