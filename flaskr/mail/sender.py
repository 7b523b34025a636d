"""The sender: claims queued messages one at a time and hands them to an SMTP relay.

Delivery is at least once. A message is marked sent only after the relay accepted it. A 5xx
answer to its recipient (RCPT) or its content (DATA) fails it for good, with the reason;
anything else (a refused connection, a timeout, a 4xx, a TLS, login or MAIL FROM refusal,
which are the relay's or our settings' fault, not the message's) puts it back with exponential
backoff, up to `MAIL_MAX_ATTEMPTS` tries.
A sender killed after the relay accepted a message but before recording it sends it again
once its lease ends (the same Message-ID, so mail clients can tell).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from ..config import ConfigError
from ..db import UNAVAILABLE, describe
from ..identity import clock
from . import outbox

log = logging.getLogger("flaskr.mail")

# The first retry waits this long, each next one twice as long, never more than RETRY_MAX.
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
# A claim outlives the slowest delivery: each of its few SMTP exchanges may take MAIL_TIMEOUT.
LEASE_TIMEOUTS = 10

SENT, RETRY, FAILED = "sent", "retry", "failed"


class Temporary(Exception):
    """The relay could not take the message now; trying again later may work."""


class Permanent(Exception):
    """The relay refused this message; sending it again would be refused again."""


@dataclass(frozen=True)
class Relay:
    """How to reach the SMTP relay, and the sender's own rules, read from the app's config."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)  # never in a log line or a traceback
    use_tls: bool
    use_ssl: bool
    sender: str
    max_attempts: int
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Relay:
        """Raise ConfigError with a one-line reason for a setting the sender cannot use."""
        for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
            if not isinstance(config[key], bool):
                raise ConfigError(f"flaskr: {key} must be true or false, not {config[key]!r}.")
        if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
            raise ConfigError("flaskr: set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL, not both.")
        for key in ("MAIL_PORT", "MAIL_MAX_ATTEMPTS", "MAIL_TIMEOUT"):
            value = config[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"flaskr: {key} must be a positive number, not {value!r}.")
        if not parseaddr(str(config["MAIL_FROM"]))[1]:
            raise ConfigError(f"flaskr: MAIL_FROM is not an address: {config['MAIL_FROM']!r}.")
        return cls(
            host=str(config["MAIL_SERVER"]),
            port=int(config["MAIL_PORT"]),
            username=config["MAIL_USERNAME"] or None,
            password=config["MAIL_PASSWORD"] or None,
            use_tls=config["MAIL_USE_TLS"],
            use_ssl=config["MAIL_USE_SSL"],
            sender=str(config["MAIL_FROM"]),
            max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
            timeout=float(config["MAIL_TIMEOUT"]),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=LEASE_TIMEOUTS * self.timeout)


def compose(message: dict[str, Any], sender: str) -> EmailMessage:
    """The e-mail for an outbox document: text, an HTML alternative if any, Message-ID, Date."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message["to"]
    mail["Subject"] = message["subject"]
    mail["Date"] = format_datetime(message["created_at"])
    # Derived from the outbox id: a message sent twice (at least once) carries one Message-ID.
    mail["Message-ID"] = f"<{message['_id']}.{message['kind']}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    mail.set_content(message["text"])
    if message.get("html"):
        mail.add_alternative(message["html"], subtype="html")
    return mail


def _connect(relay: Relay) -> smtplib.SMTP:
    if relay.use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            relay.host, relay.port, timeout=relay.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)
    try:
        if relay.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if relay.username:
            smtp.login(relay.username, relay.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _answer(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(text.split())}"


def deliver(mail: EmailMessage, relay: Relay) -> None:
    """Hand `mail` to the relay; raise Temporary or Permanent with the reason if it is not taken."""
    try:
        smtp = _connect(relay)
    except smtplib.SMTPResponseException as e:
        # Refused before any message was named (greeting, TLS, login): the relay or our own
        # settings are at fault, not this message, so it waits for them to be fixed.
        raise Temporary(_answer(e.smtp_code, e.smtp_error)) from None
    except (OSError, smtplib.SMTPException) as e:
        raise Temporary(
            f"cannot reach {relay.host}:{relay.port}: {e or type(e).__name__}"
        ) from None
    try:
        # The recipients come from the To header, the envelope sender from MAIL_FROM.
        smtp.send_message(mail, from_addr=parseaddr(relay.sender)[1])
    except smtplib.SMTPSenderRefused as e:
        # MAIL FROM refused: our MAIL_FROM (or a missing STARTTLS or login) is at fault, for
        # every message alike, so this one waits for the settings to be fixed.
        raise Temporary(_answer(e.smtp_code, e.smtp_error)) from None
    except smtplib.SMTPRecipientsRefused as e:
        code, text = next(iter(e.recipients.values()))
        raise _by_code(code, _answer(code, text)) from None
    except smtplib.SMTPResponseException as e:
        raise _by_code(e.smtp_code, _answer(e.smtp_code, e.smtp_error)) from None
    except smtplib.SMTPNotSupportedError as e:
        raise Permanent(f"the relay cannot carry this message: {e}") from None
    except (OSError, smtplib.SMTPException) as e:
        raise Temporary(f"connection to {relay.host}:{relay.port} lost: {e}") from None
    finally:
        # The relay has already answered for the message: a failed QUIT changes nothing.
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _by_code(code: int, reason: str) -> Exception:
    return Permanent(reason) if 500 <= code < 600 else Temporary(reason)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, ... at most 1 h."""
    return min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)


def send_claimed(message: dict[str, Any], relay: Relay) -> str:
    """Try to deliver a message this sender holds the claim of; return what happened."""
    fields = {"id": str(message["_id"]), "kind": message["kind"], "attempt": message["attempts"]}
    if message["attempts"] > relay.max_attempts:
        reason = f"{_gave_up(relay.max_attempts)}; the sender of the last one stopped"
        return _failed(message, reason, fields)
    try:
        deliver(compose(message, relay.sender), relay)
    except Permanent as e:
        return _failed(message, str(e), fields)
    except Temporary as e:
        return _deferred(message, str(e), relay, fields)
    except (ValueError, TypeError) as e:
        # A header with a line break, a missing body: the message itself can never be sent.
        return _failed(message, f"cannot compose the message: {e}", fields)
    if not outbox.mark_sent(message):
        log.warning("mail sent after its lease ended; it may be sent twice", extra=fields)
    log.info("mail sent", extra={**fields, "to": message["to"]})
    return SENT


def _gave_up(attempts: int) -> str:
    return f"gave up after {attempts} attempt{'' if attempts == 1 else 's'}"


def _failed(message: dict[str, Any], reason: str, fields: dict[str, Any]) -> str:
    outbox.mark_failed(message, reason)
    log.error("mail failed", extra={**fields, "to": message["to"], "reason": reason})
    return FAILED


def _deferred(message: dict[str, Any], reason: str, relay: Relay, fields: dict[str, Any]) -> str:
    if message["attempts"] >= relay.max_attempts:
        return _failed(message, f"{_gave_up(message['attempts'])}: {reason}", fields)
    at = clock.now() + retry_delay(message["attempts"])
    outbox.retry_later(message, reason, at)
    log.warning("mail deferred", extra={**fields, "reason": reason, "retry_at": at.isoformat()})
    return RETRY


def run(relay: Relay, stop: threading.Event, interval: float, once: bool = False) -> Counter:
    """Deliver until `stop` is set (or, with `once`, until nothing is due); count outcomes."""
    tally: Counter = Counter()
    database_down = False
    while not stop.is_set():
        try:
            message = outbox.claim(relay.lease)
            if database_down:
                log.warning("mail: database reachable again")
                database_down = False
            outcome = None if message is None else send_claimed(message, relay)
        except UNAVAILABLE as e:
            if once:
                raise
            if not database_down:
                log.error("mail: database unreachable: %s", describe(e))
            database_down = True
            stop.wait(interval)
            continue
        except Exception:
            if once:
                raise
            # A long-running sender outlives a bug: the message's lease ends, its attempts count.
            log.exception("mail: unexpected error")
            stop.wait(interval)
            continue
        if outcome is not None:
            tally[outcome] += 1
        elif once:
            break
        else:
            stop.wait(interval)
    return tally
