"""The MongoDB client (one per process, created lazily), collections and indexes."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import click
import pymongo
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from pymongo import monitoring
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError, WTimeoutError
from pymongo.write_concern import WriteConcern

log = logging.getLogger(__name__)

# Writes that create, change or delete accounts and sessions wait for the journal (and a
# majority of a replica set), so an acknowledged sign-up survives a crash or a failover.
DURABLE = WriteConcern(w="majority", j=True)

# Errors that mean "the database cannot be reached" (or not within the request's budget),
# answered with 503. A budget that runs out mid-command is ExecutionTimeout or WTimeoutError.
UNAVAILABLE = (ConnectionFailure, ExecutionTimeout, WTimeoutError)


@dataclass(frozen=True)
class Index:
    """One index a store module needs: on `collection`, over `keys`, with pymongo's options."""

    collection: str
    keys: Any
    options: dict[str, Any]

    def __init__(self, collection: str, keys: Any, **options: Any) -> None:
        object.__setattr__(self, "collection", collection)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "options", options)


class _Outage(monitoring.CommandListener):
    """Logs once when the database becomes unreachable and once when it serves us again."""

    def __init__(self) -> None:
        self.down = False
        self._since = 0.0
        self._lock = threading.Lock()

    def failed_request(self, error: Exception) -> None:
        with self._lock:
            if self.down:
                return
            self.down, self._since = True, time.monotonic()
        log.error("database unreachable: %s", describe(error))

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent | None) -> None:
        if not self.down:
            return
        took = event.duration_micros / 1e6 if event is not None else 0.0
        with self._lock:
            # Only a command sent after the outage began proves the database is back: one
            # already in flight may still succeed while a server shuts down, and a heartbeat
            # may too, which made one outage look like several.
            if not self.down or time.monotonic() - took < self._since:
                return
            self.down = False
        log.warning("database reachable again")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class Mongo:
    """Holds this process's client; recreated if the process forked after creating it."""

    def __init__(self, app: Flask, indexes: list[Index], upgrades: list | None = None) -> None:
        self.indexes = indexes
        # Data changes `init-db` makes after the indexes: callables returning lines to print.
        self.upgrades = upgrades or []
        self.uri: str = app.config["MONGO_URI"]
        self.timeout_ms: int = app.config["MONGO_TIMEOUT_MS"]
        self.outage = _Outage()
        self._client: Any = None
        self._pid: int | None = None
        self._indexed = False
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            with self._lock:
                if self._client is None or self._pid != os.getpid():
                    listeners = [self.outage]
                    self._client = make_client(self.uri, self.timeout_ms, listeners)
                    self._pid, self._indexed = os.getpid(), False
        if not self._indexed:
            # Until this succeeds once (the database may be down at first use), every
            # request tries again: a forgotten `init-db` never leaves the unique index missing.
            ensure_indexes(self._client.get_default_database(), self.indexes)
            self._indexed = True
        return self._client

    def close(self) -> None:
        if self._client is not None and self._pid == os.getpid():
            self._client.close()
        self._client = None


def make_client(uri: str, timeout_ms: int = 3000, listeners: list | None = None) -> Any:
    """Return a client for `uri`: `mongodb://` or `mongodb+srv://` real, `mongomock://` fake."""
    if uri.startswith("mongomock://"):
        import mongomock  # only installed with the test extra

        return mongomock.MongoClient("mongodb://" + uri.removeprefix("mongomock://"), tz_aware=True)
    return pymongo.MongoClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(10_000, 3 * timeout_ms),
        appname="flaskr",
        tz_aware=True,
        event_listeners=listeners or [],
    )


def ensure_indexes(db: Database, indexes: list[Index]) -> list[str]:
    """Create the indexes that are missing (idempotent); return their names."""
    return [
        f"{index.collection}.{db[index.collection].create_index(index.keys, **index.options)}"
        for index in indexes
    ]


def mongo() -> Mongo:
    return current_app.extensions["flaskr.mongo"]


def get_db() -> Database:
    """The application's database, connecting on first use."""
    return mongo().client.get_default_database()


def collection(name: str, durable: bool = False) -> Any:
    """A collection of the app's database; `durable` ones acknowledge journaled writes."""
    coll = get_db()[name]
    return coll.with_options(write_concern=DURABLE) if durable else coll


@click.command("init-db")
@with_appcontext  # `flask` pushes a context itself; app.cli and its test runner do not
def init_db_command() -> None:
    """Create or update the database indexes."""
    try:
        names = ensure_indexes(get_db(), mongo().indexes)
    except UNAVAILABLE as e:
        raise click.ClickException(f"database unreachable: {describe(e)}") from None
    for name in names:
        click.echo(f"index ok: {name}")
    for upgrade in mongo().upgrades:
        try:
            lines = upgrade()
        except UNAVAILABLE as e:
            raise click.ClickException(f"database unreachable: {describe(e)}") from None
        for line in lines:
            click.echo(line)
    click.echo(f"Initialised the database at {_redacted(current_app.config['MONGO_URI'])}.")


class Commands(AppGroup):
    """A command group whose database failures end in one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UNAVAILABLE as e:
            raise click.ClickException(f"database unreachable: {describe(e)}") from None
        except PyMongoError as e:
            raise click.ClickException(f"database error: {describe(e)}") from None


def describe(error: Exception) -> str:
    """A short one-line reason for a database error, without pymongo's topology dump."""
    text = (str(error).splitlines() or [type(error).__name__])[0]
    return re.split(r" \(configured timeouts|, Timeout: ", text)[0]


def _redacted(uri: str) -> str:
    """The URI without its password, for messages."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


class RequestBudget:
    """WSGI middleware: all of one request's database work shares one MONGO_TIMEOUT_MS
    deadline (pymongo's client-side operation timeout), so a hung database gets a 503 in that
    time, not after each of several socket reads has waited its own timeout."""

    def __init__(self, wsgi_app: Any, seconds: float) -> None:
        self.wsgi_app = wsgi_app
        self.seconds = seconds

    def __call__(self, environ: dict, start_response: Any) -> Any:
        with pymongo.timeout(self.seconds):
            return self.wsgi_app(environ, start_response)


def init_app(app: Flask, indexes: list[Index], upgrades: list | None = None) -> None:
    """Bind the client to `app`; `indexes` are every store module's, gathered by the factory,
    and `upgrades` the data changes `init-db` applies after them."""
    app.extensions["flaskr.mongo"] = Mongo(app, indexes, upgrades)
    app.wsgi_app = RequestBudget(app.wsgi_app, app.config["MONGO_TIMEOUT_MS"] / 1000)  # type: ignore[method-assign]
    app.cli.add_command(init_db_command)
