"""gunicorn settings for flaskr: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

Flags on the command line win over this file: `make run` adds `--bind` and
`--no-control-socket`. Environment: FLASKR_BIND (default 127.0.0.1:8000), WEB_CONCURRENCY
(workers, default one per CPU), GUNICORN_THREADS (default 4), LOG_FORMAT (text or json),
GUNICORN_ACCESS_LOG (a path or `-`: gunicorn's own access log, off by default).
"""

import os

bind = os.environ.get("FLASKR_BIND", "127.0.0.1:8000")

# A sign-in is ~0.25 s of bcrypt (rounds 12), and bcrypt releases the GIL: one worker per
# core with a few threads each keeps every core hashing while other threads wait on MongoDB.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
worker_class = "gthread"

# With every thread of every worker hashing at once, a sign-in can wait a few seconds for a
# core; 30 s leaves room for that and still replaces a wedged worker. A database outage
# answers 503 within MONGO_TIMEOUT_MS (3 s), well inside it.
timeout = 30
graceful_timeout = 30
keepalive = 5  # nginx reuses its connections to us

# The app is imported once, in the master: a bad configuration stops startup with its
# one-line reason instead of workers failing in a loop. create_app does no I/O, so no
# MongoClient exists before the fork; each worker makes its own on first use (flaskr/db.py).
preload_app = True

# flaskr logs one line per request itself, with the client IP that ProxyFix took from
# nginx's X-Forwarded-For (FLASKR_TRUSTED_PROXIES=1), as text or JSON (flaskr/logs.py).
# gunicorn's own access log is there for those who want it: path without the query string
# (it may carry a token), client IP from the X-Forwarded-For nginx sets.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = "info"

# Only nginx on this host may say the request came over HTTPS.
forwarded_allow_ips = "127.0.0.1,::1"

# Under systemd (RuntimeDirectory=flaskr) the control socket lives in /run/flaskr, not in
# the service user's home; elsewhere gunicorn's default applies (or --no-control-socket).
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")

# gunicorn's own lines (start, workers, errors) in the same JSON as flaskr's.
if (os.environ.get("LOG_FORMAT") or os.environ.get("FLASKR_LOG_FORMAT") or "").lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            name: {"level": "INFO", "handlers": ["stderr"], "propagate": False}
            for name in ("gunicorn.error", "gunicorn.access")
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": {"()": "flaskr.web.logs.JsonFormatter"}},
    }
