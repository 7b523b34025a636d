"""Logging: one line per request and per auth event, as text or JSON (`LOG_FORMAT`)."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, request
from flask.logging import default_handler

from ..config import ConfigError

FORMATS = ("text", "json")
REQUEST_LOGGER = "flaskr.request"

# Attributes every LogRecord has; anything else came from `extra=` and becomes a field.
_STANDARD = {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime"}
# Fields whose values are never written, whatever a caller passes in `extra=`.
_SECRET_NAMES = ("password", "token", "secret", "cookie", "authorization", "csrf")
# URL arguments that are credentials (a reset or confirmation link): their values stay out too.
_SECRET_ARGS = ("token", "secret", "key")

request_log = logging.getLogger(REQUEST_LOGGER)


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra=` fields of `record`, with secret-looking names redacted."""
    out = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        out[key] = "[redacted]" if any(s in key.lower() for s in _SECRET_NAMES) else value
    return out


def _utc(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _utc(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...`, values quoted when they need it."""

    def format(self, record: logging.LogRecord) -> str:
        # A message may carry user input (a username): control characters are escaped.
        line = f"{_utc(record)} {record.levelname} {record.name}: "
        line += _printable(record.getMessage())
        extra = " ".join(f"{k}={_text(v)}" for k, v in fields(record).items())
        if extra:
            line += " " + extra
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _text(value: Any) -> str:
    # Quoting escapes spaces, quotes and control characters (a %0A in a path cannot forge
    # a log line).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and text.isprintable() and not any(c in text for c in " \"'="):
        return text
    return json.dumps(text, ensure_ascii=False)


class _Stderr(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (a test runner swaps it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def formatter(name: str) -> logging.Formatter:
    """The formatter for `LOG_FORMAT` `name`; ConfigError for an unknown one."""
    if name not in FORMATS:
        raise ConfigError(f"flaskr: LOG_FORMAT must be 'text' or 'json', not {name!r}.")
    return JsonFormatter() if name == "json" else TextFormatter()


def setup(fmt: str) -> None:
    """Send the `flaskr` loggers (app, request, audit, db) to stderr in format `fmt`."""
    logger = logging.getLogger("flaskr")
    handler = _Stderr()
    handler.setFormatter(formatter(fmt))
    for old in list(logger.handlers):
        if isinstance(old, _Stderr) or old is default_handler:
            logger.removeHandler(old)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def _path() -> str:
    # A credential in the URL (a reset link's token) is logged as its route pattern.
    args = request.view_args or {}
    if request.url_rule is not None and any(
        s in name.lower() for name in args for s in _SECRET_ARGS
    ):
        return request.url_rule.rule
    return request.path


def _started() -> None:
    g.flaskr_started = time.perf_counter()


def _log_request(response: Any) -> Any:
    elapsed = time.perf_counter() - g.get("flaskr_started", time.perf_counter())
    request_log.info(
        "request",
        extra={
            "method": request.method,
            "path": _path(),
            "status": response.status_code,
            "ms": round(elapsed * 1000, 1),
            "ip": request.remote_addr,
        },
    )
    return response


def init_app(app: Flask) -> None:
    setup(str(app.config["LOG_FORMAT"]).lower())
    app.before_request(_started)
    app.after_request(_log_request)
