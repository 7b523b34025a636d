"""flaskr: sign-up and sign-in done right, on Flask and MongoDB."""

from __future__ import annotations

import os

from flask import Flask

from . import backup, cli, db, identity, mail, two_factor
from .account import bp as account_bp
from .admin import bp as admin_bp
from .api import bp as api_bp
from .auth import bp as auth_bp
from .config import load_config
from .extensions import csrf
from .mail import notices, outbox
from .pages import bp as pages_bp
from .web import (
    devices,
    errors,
    filters,
    formdata,
    headers,
    login,
    logs,
    proxy,
    ratelimit,
    recovery,
)
from .web.health import bp as health_bp


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: layered config, extensions, blueprints, error handlers. No I/O here."""
    # FLASKR_INSTANCE_PATH moves instance/ (config, secret key) for a deployment or a test.
    instance = os.environ.get("FLASKR_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
    )
    load_config(app, test_config)
    logs.init_app(app)

    db.init_app(
        app,
        indexes=[*identity.INDEXES, *outbox.INDEXES, *ratelimit.INDEXES],
        upgrades=identity.UPGRADES,
    )
    formdata.init_app(app)
    csrf.init_app(app)
    login.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    cli.init_app(app)
    mail.init_app(app)
    backup.init_app(app)
    proxy.init_app(app)
    ratelimit.init_app(app)
    headers.init_app(app)
    two_factor.init_app(app)
    devices.init_app(app)
    recovery.init_app(app)
    notices.init_app(app)

    app.register_blueprint(pages_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(admin_bp)
    return app
