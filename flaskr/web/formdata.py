"""Form bodies read one way: bytes that are not UTF-8 become U+FFFD, never something else;
and the HTML forms read form bodies only (a JSON body gets 415, not a traceback)."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import parse_qsl

import flask
from flask import Flask, abort, request
from flask_wtf import FlaskForm
from werkzeug.formparser import FormDataParser

from .. import messages

URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = (URLENCODED, "multipart/form-data")


class _Parser(FormDataParser):
    """Werkzeug keeps undecodable bytes of a urlencoded body as `%XX` text (or drops the
    whole form for raw ones); multipart bodies get U+FFFD. One rule for both lets the
    validators refuse such input with a clear message."""

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> Any:
        if mimetype != URLENCODED:
            return super().parse(stream, mimetype, content_length, options)
        # The stream is already limited to MAX_CONTENT_LENGTH by the request.
        text = stream.read().decode("utf-8", "replace")
        items = parse_qsl(text, keep_blank_values=True, errors="replace")
        return stream, self.cls(items), self.cls()


class Request(flask.Request):
    form_data_parser_class = _Parser


class Form(FlaskForm):
    """Every HTML form's base: it reads form bodies only.

    Flask-WTF also builds a form from a JSON body; `"x"`, `[1]` or `123` there is a
    ValueError deep inside it (a 500 with a traceback). A form page has no JSON client, so
    any other body type is refused with 415 before a field is read.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            # formdata=None: a form shown empty beside the one submitted, nothing to read.
            posted = formdata is not None and request.method != "GET"
            if posted and request.mimetype and request.mimetype not in FORM_TYPES:
                abort(415, description=messages.SEND_FORM)
            return super().wrap_formdata(form, formdata)


def init_app(app: Flask) -> None:
    app.request_class = Request
