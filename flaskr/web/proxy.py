"""Behind trusted proxies: the client's address and scheme from X-Forwarded-* (ProxyFix)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    # Behind N trusted proxies, the client address is the Nth from the right in
    # X-Forwarded-For; with 0 (the default) the header is ignored, so it cannot be spoofed.
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
