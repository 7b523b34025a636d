"""Health checks for load balancers and process supervisors: `/healthz` and `/readyz`."""

from __future__ import annotations

import logging

import pymongo
from flask import Blueprint
from pymongo.errors import PyMongoError

from ..db import UNAVAILABLE, describe, get_db, mongo

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

PING_SECONDS = 1.0


@bp.get("/healthz")
def healthz():
    """The process can serve requests (no database call)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """The database answers a ping within PING_SECONDS; 503 otherwise."""
    try:
        # One deadline for everything: server selection, connecting, the ping itself.
        with pymongo.timeout(PING_SECONDS):
            get_db().command("ping")
    except UNAVAILABLE as e:
        # Logged once per outage by the listener, not once per probe.
        mongo().outage.failed_request(e)
        reason = f"the database did not answer a ping within {PING_SECONDS:g} s"
        return {"status": "unavailable", "reason": reason}, 503
    except PyMongoError as e:
        # Reachable but refusing (credentials, permissions): a configuration problem.
        log.warning("readiness check failed: %s", describe(e))
        return {"status": "unavailable", "reason": "the database refused the check"}, 503
    return {"status": "ok"}
