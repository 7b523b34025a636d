"""Configuration defaults and the layering that applies them."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask

# Every key is documented once, in the README's configuration table.
DEFAULTS: dict[str, object] = {
    "MONGO_URI": "mongodb://127.0.0.1:27018/flaskr",
    "MONGO_TIMEOUT_MS": 3000,
    "BCRYPT_ROUNDS": 12,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 24,
    "REMEMBER_DAYS": 30,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    "WTF_CSRF_TIME_LIMIT": None,
    "PRODUCTION": False,
    "LOG_FORMAT": "text",
    # Account protection (identity/throttle.py, policy.py, audit.py; web/headers.py, ratelimit.py).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 50,
    "LOGIN_LOCKOUT_SECONDS": 900,
    "REGISTER_RATE_LIMIT": "10 per hour",
    "TRUSTED_PROXIES": 0,
    "USERNAME_MIN_LENGTH": 3,
    "USERNAME_MAX_LENGTH": 32,
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_MAX_LENGTH": 1024,
    "PASSWORD_MIN_SCORE": 3,
    "AUDIT_RETENTION_DAYS": 90,
    # Two-factor sign-in (identity/totp.py, recovery_codes.py, secrets_box.py; two_factor/).
    "TWO_FACTOR_MAX_FAILURES": 5,
    "TWO_FACTOR_REQUIRED": False,
    "TOTP_ISSUER": "flaskr",
    "RECOVERY_CODES": 10,
    "REAUTH_MINUTES": 10,
    # ENCRYPTION_KEY has no default: it is generated once into instance/, like SECRET_KEY.
    "ENCRYPTION_OLD_KEYS": (),
    # The address people use; passkeys take their RP ID and origin from it, never from a request.
    "PUBLIC_URL": None,
    # Passkeys (identity/relying_party.py, ceremonies.py, passkeys.py).
    "WEBAUTHN_RP_ID": None,
    "WEBAUTHN_RP_NAME": "flaskr",
}

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
ENCRYPTION_KEY_FILE = "encryption_key"
SECRET_KEY_MIN = 32  # characters; production mode refuses a shorter (guessable) key


class ConfigError(SystemExit):
    """A setting the app cannot start with; the process exits with this one-line reason."""


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply defaults, then instance/config.py, then FLASKR_* env vars, then `test_config`."""
    app.config.from_mapping(DEFAULTS)
    # Production mode needs to know whether MONGO_URI was given or is only the default.
    default_uri = app.config.pop("MONGO_URI")
    app.config.from_pyfile("config.py", silent=True)
    for name in ("MONGO_URI", "LOG_FORMAT"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("FLASKR")
    # from_prefixed_env parses values as JSON: a key of digits would become a number.
    for name in ("SECRET_KEY", "ENCRYPTION_KEY"):
        if os.environ.get(f"FLASKR_{name}"):
            app.config[name] = os.environ[f"FLASKR_{name}"]
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config["PRODUCTION"]:
        check_production(app.config)
    app.config.setdefault("MONGO_URI", default_uri)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if not app.config.get("ENCRYPTION_KEY"):
        # Kept apart from the database, so a copy of the database cannot read what it seals.
        app.config["ENCRYPTION_KEY"] = instance_secret_key(
            Path(app.instance_path), ENCRYPTION_KEY_FILE, lambda: secrets.token_urlsafe(32)
        )
    # Flask-Login reads the remember-me lifetime from this key.
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])


def instance_secret_key(
    instance: Path,
    name: str = SECRET_KEY_FILE,
    make: Callable[[], str] = lambda: secrets.token_hex(32),
) -> str:
    """Return the key kept in `instance/<name>`, creating it (mode 0600) with `make()` on
    first use."""
    path = instance / name
    instance.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several processes start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as f:
        f.write(make())
    return _read_key(path)


def _read_key(path: Path) -> str:
    # A concurrent creator may not have written yet: an empty read is retried briefly.
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it to generate a new key")


def check_production(config: dict) -> None:
    """Raise ConfigError unless SECRET_KEY and MONGO_URI were given explicitly."""
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "flaskr: PRODUCTION is on but no SECRET_KEY is set; set FLASKR_SECRET_KEY "
            "(the same value on every app server)."
        )
    if len(str(config["SECRET_KEY"])) < SECRET_KEY_MIN:
        raise ConfigError(
            f"flaskr: SECRET_KEY is shorter than {SECRET_KEY_MIN} characters; make one with "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'."
        )
    if not config.get("MONGO_URI"):
        raise ConfigError(
            "flaskr: PRODUCTION is on but MONGO_URI is not set; set MONGO_URI to the "
            "database, e.g. mongodb://127.0.0.1:27017/flaskr."
        )
