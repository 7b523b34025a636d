"""An app served on a real socket in a thread of this process: the browser tests and
`make screenshots` drive Chromium against it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


def body_closed_at_once(app):
    """`app` with each response body read and closed before the server writes it.

    werkzeug's development server skips `close()` when the browser drops the connection
    first (it does, closing a page while its favicon is in flight), which leaves a static
    file open for the garbage collector to warn about in a later test.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@contextmanager
def serving(make: Callable[[str], Flask], host: str = "127.0.0.1") -> Iterator[tuple[Flask, str]]:
    """Serve the app `make(url)` builds, in a threaded werkzeug server on a free loopback port;
    yield it and `url`, http://HOST:PORT. The port is known once the socket is bound, and an
    app browsed by name (WebAuthn needs one: `localhost`) needs it in its PUBLIC_URL."""
    apps: list[Callable] = []
    server = make_server("127.0.0.1", 0, lambda env, start: apps[0](env, start), threaded=True)
    url = f"http://{host}:{server.server_port}"
    try:
        app = make(url)
        apps.append(body_closed_at_once(app))
        thread = threading.Thread(target=server.serve_forever, name="served-app", daemon=True)
        thread.start()
        try:
            yield app, url
        finally:
            server.shutdown()
            thread.join(10)
    finally:
        server.server_close()


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve `app` in a threaded werkzeug server on a free loopback port; yield its base URL."""
    with serving(lambda _url: app) as (_app, url):
        yield url
