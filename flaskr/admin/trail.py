"""The audit trail of everyone: filtered by event, user, client address and time, paged by
the last event seen (no skip), and downloaded as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from flask import Response, abort, render_template, request, stream_with_context

from .. import messages
from ..identity import audit, clock, users
from ..web.context import settings
from .forms import TrailForm
from .people import TrailRow, event_rows
from .views import bp

PAGE = 50
CSV_COLUMNS = [
    "time",
    "event",
    "username",
    "user_id",
    "actor",
    "ip",
    "device",
    "user_agent",
    "role",
]
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _filters(form: TrailForm) -> audit.Filters | None:
    """The form's filters; None when they can match nothing (a username no one has)."""
    user_id = None
    if form.user.data:
        found = users.find_user(form.user.data)
        if found is None:
            form.user.errors.append(messages.ADMIN_NO_SUCH_USER)
            return None
        user_id = found["_id"]
    return audit.Filters(
        event=form.event.data or None,
        user_id=user_id,
        ip=form.ip.data or None,
        since=form.since.parsed,
        until=form.until.parsed,
    )


def cursor(row: TrailRow, event_id: ObjectId) -> str:
    return f"{row.at.isoformat()}~{event_id}"


def _after(value: str | None) -> tuple[datetime, ObjectId] | None:
    """The position a `?after=` link names; a malformed one is a 400."""
    if not value:
        return None
    at, _, event_id = value.partition("~")
    try:
        return datetime.fromisoformat(at), ObjectId(event_id)
    except (ValueError, InvalidId):
        abort(400, messages.ADMIN_BAD_CURSOR)


def _form() -> TrailForm:
    return TrailForm(request.args, {name: text for name, text in messages.EVENTS.items()})


def _page(form: TrailForm, shown: list[TrailRow], next_after: str | None, status: int = 200):
    # The filters as given, for the links to the next page and to the download.
    filters = {k: v for k, v in request.args.items() if k in form.data and v}
    page = render_template(
        "admin/audit.html", form=form, rows=shown, next_after=next_after, filters=filters
    )
    return page, status


@bp.get("/audit")
def audit_trail():
    form = _form()
    if not form.validate():
        return _page(form, [], None, 400)
    filters = _filters(form)
    events = (
        []
        if filters is None
        else audit.trail(
            filters,
            now=clock.now(),
            retention=settings().audit_retention,
            limit=PAGE + 1,
            after=_after(request.args.get("after")),
        )
    )
    shown = event_rows(events[:PAGE])
    next_after = cursor(shown[-1], events[PAGE - 1]["_id"]) if len(events) > PAGE else None
    return _page(form, shown, next_after)


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The CSV of these events, a header first, a few hundred rows per chunk."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    batch: list[dict[str, Any]] = []

    def flush() -> str:
        for row in event_rows(batch):
            writer.writerow(
                safe_cell(v)
                for v in (
                    row.at.isoformat(),
                    row.event,
                    row.username,
                    row.user_id,
                    row.actor,
                    row.ip,
                    row.device,
                    row.user_agent,
                    row.role,
                )
            )
        batch.clear()
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    for event in events:
        batch.append(event)
        if len(batch) == 500:
            yield flush()
    yield flush()


@bp.get("/audit.csv")
def audit_csv():
    form = _form()
    if not form.validate():
        abort(400, messages.ADMIN_BAD_FILTERS)
    filters = _filters(form)
    retention = settings().audit_retention
    events = [] if filters is None else audit.every(filters, now=clock.now(), retention=retention)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(csv_lines(events)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
