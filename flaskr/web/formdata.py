"""Form bodies read one way: bytes that are not UTF-8 become U+FFFD, never something else."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import parse_qsl

import flask
from flask import Flask
from werkzeug.formparser import FormDataParser

URLENCODED = "application/x-www-form-urlencoded"


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


def init_app(app: Flask) -> None:
    app.request_class = Request
