"""Error responses in one place: HTML pages for the site, JSON under /api/."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from pymongo.errors import PyMongoError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .. import messages
from ..db import UNAVAILABLE, mongo

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


# Werkzeug's stock texts talk to browsers; API clients get these instead.
API_MESSAGES = {
    401: messages.NOT_SIGNED_IN,
    404: messages.NO_SUCH_ENDPOINT,
    405: messages.METHOD_NOT_ALLOWED,
    413: messages.TOO_LARGE,
}


class ApiError(HTTPException):
    """An HTTP error with the API's machine-readable code, per-field reasons and headers."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = status
        self.api_code = code
        self.fields = fields
        self.extra_headers = headers or {}

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]


def _api_code(e: HTTPException) -> str | None:
    if isinstance(e, CSRFError):
        return "csrf_failed"
    return getattr(e, "api_code", None)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, code: str | None = None, fields: dict | None = None):
    """The API's error body: {"error": {"code", "message", "fields"?}}."""
    error: dict = {"code": code or CODES.get(status, "error"), "message": message}
    if fields:
        error["fields"] = fields
    return jsonify(error=error), status


def _page_user():
    # An error page must render even when loading the user is what failed.
    try:
        return current_user._get_current_object()
    except PyMongoError:
        return _signed_out_for_this_request()


def _signed_out_for_this_request():
    # Flask-Login keeps the request's user in g._login_user; filling it stops the template
    # context processor from loading the user again (another failure, another timeout).
    g._login_user = AnonymousUserMixin()
    return g._login_user


def form_page() -> str:
    """Where the form of this request lives, as a local path: this URL when it can be opened,
    else the page of this site the browser came from (its Referer), else the start page."""
    rule = request.url_rule
    if rule is not None and request.endpoint and "GET" in (rule.methods or ()):
        # Built from the route, not from the path asked for: "//host" must not lead away.
        query = request.query_string.decode("utf-8", "replace")
        path = url_for(request.endpoint, **(request.view_args or {}))
        return f"{path}?{query}" if query else path
    came_from = urlsplit(request.referrer or "")
    path = came_from.path
    if came_from.netloc == request.host and path.startswith("/") and not path.startswith("//"):
        return f"{path}?{came_from.query}" if came_from.query else path
    return url_for("pages.index")


def form_expired() -> Response:
    """A page form whose CSRF token is missing, stale or forged: nothing was done; the person
    is sent back to the form with a word of why (the API answers 400 `csrf_failed`)."""
    flash(messages.FORM_EXPIRED, "error")
    return redirect(form_page(), 303)


def render_error(e: HTTPException) -> Response:
    """Render any HTTP error as a page in the site's layout, or as JSON under /api/."""
    status = e.code or 500
    message = e.description or ""
    if wants_json():
        if message == type(e).description:
            message = API_MESSAGES.get(status, message)
        fields = getattr(e, "fields", None)
        response = make_response(json_error(status, message, _api_code(e), fields))
    elif isinstance(e, CSRFError):
        return form_expired()
    else:
        if message == type(e).description:
            message = messages.PAGE_ERRORS.get(status, message)
        page = render_template(
            "errors/error.html",
            status=status,
            title=messages.ERROR_TITLES.get(status, e.name),
            message=message,
            current_user=_page_user(),
            # A form sent and refused: the title says "Error:" and the message takes focus.
            post_failed=request.method not in ("GET", "HEAD"),
        )
        response = make_response(page, status)
    # Keep what the error says in its headers (Allow on 405, Retry-After on 429).
    for key, value in e.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def database_unavailable(e: Exception) -> Response:
    mongo().outage.failed_request(e)
    if "_login_user" not in g:
        # Loading the user is what failed: do not wait for the database a second time.
        _signed_out_for_this_request()
    return render_error(ServiceUnavailable(messages.UNAVAILABLE))


def internal_error(e: Exception) -> Response:
    # Flask has already logged the traceback; the visitor gets a page, never the trace.
    return render_error(InternalServerError(messages.INTERNAL_ERROR))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    for exc in UNAVAILABLE:
        app.register_error_handler(exc, database_unavailable)
    app.register_error_handler(InternalServerError, internal_error)
