"""Flask-Limiter wiring: per-IP request limits kept in the app's own MongoDB database.

The `limits` package's MongoDB storage opens a second client from a URI and, in `__del__`,
builds one just to close it: at interpreter exit that prints "Exception ignored ... Traceback"
after every `flask` CLI command. `AppMongoStorage` instead borrows the app's client (one per
process, fork-aware, same timeouts) and database, and owns nothing it must close.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from limits import parse_many
from limits.storage import MongoDBStorage

from .. import messages
from ..db import UNAVAILABLE, Index, get_db, mongo
from ..extensions import limiter

COUNTERS = "rate_limits"
WINDOWS = "rate_limit_windows"
# Flask-Limiter's counters, swept when their window ends.
INDEXES = [
    Index(COUNTERS, "expireAt", expireAfterSeconds=0, name="expireAt_ttl"),
    Index(WINDOWS, "expireAt", expireAfterSeconds=0, name="expireAt_ttl"),
]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _too_many_registrations() -> str:
    """The refusal, with how long to wait: the limit's window ends at `reset_at`."""
    limit = limiter.current_limit
    wait = int(limit.reset_at - time.time()) if limit else 60
    return messages.too_many_registrations(wait)


@limiter.shared_limit(
    _register_limit,
    scope="register",
    error_message=_too_many_registrations,
)
def count_registration() -> None:
    """Count one registration against the client's address; past the limit, 429.

    Called by every way to register (the form, the API) once the input is valid, just
    before the account is created: one budget per address, and malformed requests,
    refused anyway, never reach the database.
    """


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@limiter.shared_limit(
    _sign_in_limit,
    scope="password-check",
    error_message=messages.TOO_MANY_SIGN_INS,
)
def count_password_check() -> None:
    """Count one password check (a sign-in, right or wrong, or a confirmation on the account
    page) against the client's address; past the limit, 429. bcrypt is the costly part of
    the app: a client that signs in successfully over and over must not own the CPU.

    The sign-in flow calls it once the attempt is not throttled, just before the check: a
    refused attempt is not counted (it costs one read, no write).
    """


@limiter.shared_limit(
    _sign_in_limit,
    scope="passkey-sign-in",
    error_message=messages.TOO_MANY_SIGN_INS,
)
def count_passkey_sign_in() -> None:
    """Count one passwordless passkey sign-in started (its options: a challenge stored for
    anyone who asks) against the client's address, apart from password checks, under the same
    SIGN_IN_RATE_LIMIT; past it, 429."""


def _confirm_limit() -> str:
    return current_app.config["CONFIRM_RATE_LIMIT"]


@limiter.shared_limit(
    _confirm_limit,
    scope="confirm",
    key_func=lambda: str(current_user.id),
    error_message=messages.TOO_MANY_CONFIRMATIONS,
)
def count_confirmation() -> None:
    """Count one confirmation mail against the signed-in account; past the limit, 429."""


def _within(limits: str, scope: str, key: str) -> bool:
    """Count one hit of `key` against each of `limits`; False if any is exceeded."""
    if not limiter.enabled:
        return True
    return all([limiter.limiter.hit(item, scope, key) for item in parse_many(limits)])


def allow_reset_request(address: str) -> bool:
    """Count a reset request against the client's address, then against the e-mail address
    (hashed: the counters need not know it); False past either limit.

    Counted by hand rather than with a decorator: an answer over the limit must look like
    any other (no 429, no X-RateLimit headers), or the limit would tell who asked before.
    """
    config = current_app.config
    if not _within(config["FORGOT_RATE_LIMIT_PER_IP"], "forgot-ip", request.remote_addr or ""):
        return False
    key = hashlib.sha256(address.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()
    return _within(config["FORGOT_RATE_LIMIT"], "forgot-address", key)


class AppMongoStorage(MongoDBStorage):
    """`flaskr-mongo://`: the current app's database, through the app's client."""

    STORAGE_SCHEME = ["flaskr-mongo"]

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(
            uri, counter_collection_name=COUNTERS, window_collection_name=WINDOWS, **options
        )

    @property
    def storage(self) -> Any:
        # Looked up on every use: the app's client is recreated after a fork.
        return get_db().client

    @property
    def _database(self) -> Any:
        return get_db()

    def __del__(self) -> None:
        pass  # the client belongs to the app

    # The two reads below serve only the X-RateLimit/Retry-After headers, written after the
    # response is decided. With the database away that response is a 503: it must not become
    # a 500 (an error raised while finishing an error) nor wait for the database twice more.
    def get(self, key: str) -> int:
        if mongo().outage.down:
            return 0
        try:
            # By `_id` alone, the window's end checked here: the stock query adds
            # `expireAt: {$gte: now}`, which SecantusDB's planner answers by reading the
            # whole collection.
            counter = self.counters.find_one({"_id": key}, projection=["count", "expireAt"])
        except UNAVAILABLE:
            return 0
        if counter is None or counter["expireAt"].replace(tzinfo=UTC) < datetime.now(UTC):
            return 0
        return int(counter["count"])

    def get_expiry(self, key: str) -> float:
        if mongo().outage.down:
            return time.time()
        try:
            return super().get_expiry(key)
        except UNAVAILABLE:
            return time.time()


def storage_uri(mongo_uri: str) -> str:
    """Where limits are counted: the app's database, or process memory under mongomock."""
    # mongomock runs no aggregation pipeline updates; its data is per process anyway.
    return "memory://" if mongo_uri.startswith("mongomock://") else "flaskr-mongo://"


def init_app(app: Flask) -> None:
    # fixed-window: SecantusDB fails the `$$NOW` arithmetic of `sliding-window-counter`.
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app.config["MONGO_URI"]))
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Explicit, or the process-wide limiter would carry one app's "disabled" into the next.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
