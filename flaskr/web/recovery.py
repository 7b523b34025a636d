"""Asking for a reset link from the web, for the form and the API alike.

The answer never depends on whether an account has the address: the request is counted
against its limits (per client and per address, with the same answer past them), and the
account is looked up and its link queued only once the response has been sent
(`call_on_close`), so not even its timing can tell.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g

from ..identity import recovery
from .context import actor, settings
from .ratelimit import allow_reset_request

log = logging.getLogger(__name__)


def ask_for_reset(address: str) -> None:
    """Send a reset link to `address` after this response, if an account has confirmed it."""
    if not allow_reset_request(address):
        return
    after_response(
        functools.partial(recovery.request_reset, address, actor=actor(), settings=settings())
    )


def after_response(job: Callable[[], object]) -> None:
    """Run `job` in this app's context once the response has been sent."""
    g.setdefault("_after_response", []).append(job)


def _attach(response: Response) -> Response:
    jobs = g.pop("_after_response", None)
    if jobs:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: _run(app, jobs))
    return response


def _run(app: Flask, jobs: list[Callable[[], object]]) -> None:
    with app.app_context():
        for job in jobs:
            try:
                job()
            except Exception:
                # The visitor has had the answer already; the log is where this must show.
                log.exception("work after the response failed")


def init_app(app: Flask) -> None:
    app.after_request(_attach)
