"""Configuration defaults and the layering that applies them."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Config, Flask

# Every key is documented once, in the README's configuration table.
DEFAULTS: dict[str, object] = {
    # None: the embedded database, with the credentials kept in instance/ (embedded_uri).
    "MONGO_URI": None,
    "EMBEDDED_DB_PORT": 27018,
    "EMBEDDED_DB_PATH": None,  # None: instance/db
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
    "SIGN_IN_RATE_LIMIT": "60 per minute",
    "SESSION_MAX_PER_USER": 50,
    "TRUSTED_PROXIES": 0,
    "USERNAME_MIN_LENGTH": 3,
    "USERNAME_MAX_LENGTH": 32,
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_MAX_LENGTH": 1024,
    "PASSWORD_MIN_SCORE": 3,
    "AUDIT_RETENTION_DAYS": 90,
    # E-mail delivery (mail/): the relay `flask mail send` hands the outbox to.
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_FROM": "flaskr <noreply@localhost>",
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_TIMEOUT": 30,
    # Two-factor sign-in (identity/totp.py, recovery_codes.py, secrets_box.py; two_factor/).
    "TWO_FACTOR_MAX_FAILURES": 5,
    "TWO_FACTOR_REQUIRED": False,
    "TOTP_ISSUER": "flaskr",
    "RECOVERY_CODES": 10,
    "REAUTH_MINUTES": 10,
    # ENCRYPTION_KEY has no default: it is generated once into instance/, like SECRET_KEY.
    "ENCRYPTION_OLD_KEYS": (),
    # E-mail addresses, links and notices (identity/addresses.py, tokens.py, recovery.py; mail/).
    # Passkeys take their RP ID and origin from PUBLIC_URL too, never from a request.
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "EMAIL_REQUIRED": False,
    "SIGN_IN_WITH_EMAIL": True,
    "EMAIL_CONFIRM_HOURS": 24,
    "RESET_MINUTES": 60,
    "FORGOT_RATE_LIMIT": "5 per hour",
    "FORGOT_RATE_LIMIT_PER_IP": "20 per hour",
    "CONFIRM_RATE_LIMIT": "5 per hour",
    "NOTIFY_NEW_DEVICE": True,
    "DEVICE_COOKIE_DAYS": 400,
    # The admin area (admin/, web/stepup.py; REAUTH_MINUTES above).
    "ADMIN_REQUIRES_TWO_FACTOR": True,
    # Passkeys (identity/relying_party.py, ceremonies.py, passkeys.py).
    "WEBAUTHN_RP_ID": None,
    "WEBAUTHN_RP_NAME": "flaskr",
    # Translations (web/i18n.py, flaskr/translations/): the languages offered, the fallback.
    "LANGUAGES": ("en", "nl", "de"),
    "BABEL_DEFAULT_LOCALE": "en",
}

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
ENCRYPTION_KEY_FILE = "encryption_key"
SECRET_KEY_MIN = 32  # characters; production mode refuses a shorter (guessable) key
# The embedded database's users and passwords, written once by the launcher (flaskr_dev).
DB_CREDENTIALS_FILE = "db-credentials"
EMBEDDED_HOST = "127.0.0.1"
# Settings that may also be given without the FLASKR_ prefix, as the launcher reads them.
PLAIN_ENV = ("MONGO_URI", "LOG_FORMAT", "EMBEDDED_DB_PORT", "EMBEDDED_DB_PATH")
# FLASKR_* values taken as typed: from_prefixed_env would parse a key of digits as a number.
PLAIN_PREFIXED_ENV = (
    "SECRET_KEY",
    "ENCRYPTION_KEY",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_SERVER",
    "MAIL_FROM",
)


class ConfigError(SystemExit):
    """A setting the app cannot start with; the process exits with this one-line reason."""


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply the layered settings, then what follows from them: database URI, public address,
    secret keys."""
    layer(app.config, test_config)
    instance = Path(app.instance_path)
    if app.config["PRODUCTION"]:
        check_production(app.config, instance)
    if not app.config["MONGO_URI"]:
        app.config["MONGO_URI"] = embedded_uri(instance, app.config["EMBEDDED_DB_PORT"])
    app.config["PUBLIC_URL"] = public_url(app.config.get("PUBLIC_URL") or DEFAULTS["PUBLIC_URL"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    if not app.config.get("ENCRYPTION_KEY"):
        # Kept apart from the database, so a copy of the database cannot read what it seals.
        make = lambda: secrets.token_urlsafe(32)  # noqa: E731
        app.config["ENCRYPTION_KEY"] = instance_file(instance / ENCRYPTION_KEY_FILE, make).strip()
    # Flask-Login reads the remember-me lifetime from this key.
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])


def layer(config: Config, test_config: dict | None = None) -> None:
    """Defaults, then instance/config.py, then FLASKR_* env vars, then `test_config`."""
    config.from_mapping(DEFAULTS)
    # Production mode must know whether PUBLIC_URL was given; load_config fills the default.
    config.pop("PUBLIC_URL")
    config.from_pyfile("config.py", silent=True)
    for name in PLAIN_ENV:
        if os.environ.get(name):
            config[name] = os.environ[name]
    config.from_prefixed_env("FLASKR")
    # from_prefixed_env parses values as JSON: a key of digits would become a number.
    for name in PLAIN_PREFIXED_ENV:
        if os.environ.get("FLASKR_" + name):
            config[name] = os.environ["FLASKR_" + name]
    if test_config is not None:
        config.from_mapping(test_config)
    try:
        config["EMBEDDED_DB_PORT"] = int(config["EMBEDDED_DB_PORT"])
    except ValueError:
        raise ConfigError(
            f"flaskr: EMBEDDED_DB_PORT must be a port number, not {config['EMBEDDED_DB_PORT']!r}."
        ) from None


def settings(instance: Path) -> Config:
    """The layered settings of the app whose instance/ is `instance`, without an app."""
    config = Config(str(instance))
    layer(config)
    return config


def embedded_storage(config: Config | dict, instance: Path) -> Path:
    """Where the embedded database keeps its files: EMBEDDED_DB_PATH, or instance/db."""
    return Path(config.get("EMBEDDED_DB_PATH") or instance / "db").resolve()


def embedded_uri(instance: Path, port: int, role: str = "app") -> str:
    """The embedded database on 127.0.0.1:`port`, as `role`'s user in instance/db-credentials.

    Without that file (nobody has provisioned the database yet) the URI has no user, and a
    server started by `make run` refuses it: that refusal names the problem.
    """
    credentials = db_credentials(instance)
    user = ""
    if credentials is not None:
        account = credentials[role]
        user = f"{quote(account['user'], safe='')}:{quote(account['password'], safe='')}@"
    options = "?authSource=admin" if user else ""
    return f"mongodb://{user}{EMBEDDED_HOST}:{port}/flaskr{options}"


def db_credentials(instance: Path) -> dict | None:
    """The embedded database's users (`app` and `admin`), or None when none were made."""
    path = instance / DB_CREDENTIALS_FILE
    if not path.exists():
        return None
    try:
        credentials = json.loads(read_instance_file(path))
        for role in ("app", "admin"):
            if not (credentials[role]["user"] and credentials[role]["password"]):
                raise ValueError(role)
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"flaskr: {path} is damaged; restore it from a backup of instance/, or delete it and "
            "the embedded database's users are made again with new passwords at the next start."
        ) from None
    return credentials


def instance_secret_key(instance: Path) -> str:
    """Return the key kept in `instance/secret_key`, creating it (mode 0600) on first use."""
    return instance_file(instance / SECRET_KEY_FILE, lambda: secrets.token_hex(32)).strip()


def instance_file(path: Path, make: Callable[[], str]) -> str:
    """The text of `path`, written first with make() (mode 0600) when it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several processes start at once, exactly one writes the file.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_instance_file(path)
    with os.fdopen(fd, "w") as f:
        f.write(make())
    return read_instance_file(path)


def read_instance_file(path: Path) -> str:
    """The text of a file kept in instance/; a concurrent creator may not have written yet."""
    for _ in range(50):
        text = path.read_text()
        if text.strip():
            return text
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it and a new one is made at the next start")


def check_production(config: Config, instance: Path) -> None:
    """Raise ConfigError unless SECRET_KEY and the database were given explicitly."""
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
    # The embedded database counts as given once it was provisioned (deploy/flaskr-db.service).
    if not config.get("MONGO_URI") and db_credentials(instance) is None:
        raise ConfigError(
            "flaskr: PRODUCTION is on but MONGO_URI is not set; set MONGO_URI to the "
            "database, e.g. mongodb://127.0.0.1:27017/flaskr (or provision the embedded "
            f"database, whose credentials would be in {instance / DB_CREDENTIALS_FILE})."
        )
    if not config.get("PUBLIC_URL"):
        raise ConfigError(
            "flaskr: PRODUCTION is on but PUBLIC_URL is not set; set FLASKR_PUBLIC_URL to the "
            "address people use, e.g. https://auth.example.com (links in e-mail use it)."
        )


def public_url(value: object) -> str:
    """`value` as the site's public address (scheme, host, optional path; no trailing '/'),
    or ConfigError: every link in an e-mail starts with it, never with a request's Host."""
    text = str(value).strip()
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 (urlsplit checks the port only when asked)
    except ValueError:
        parts = parts._replace(scheme="")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"flaskr: PUBLIC_URL must be an http(s) address like https://auth.example.com, "
            f"not {text!r}."
        )
    return text.rstrip("/")
