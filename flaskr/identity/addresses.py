"""E-mail addresses: checked with email-validator (syntax only, no DNS) and reduced to a key.

An address is kept as typed, and found by its key: the domain as email-validator normalises
it (lower case, IDNA), then the whole address case-folded, so `Alice@Example.COM` and
`alice@example.com` are one address wherever they are compared.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from .. import messages

# RFC 5321's limit on a path; email-validator says so too, this keeps its work bounded.
LONGEST = 254


class BadAddress(ValueError):
    """Not an e-mail address flaskr can send to; the message says why, for people."""


def _validated(address: str) -> str:
    if not isinstance(address, str):
        raise TypeError("address must be a str")
    if not address or len(address) > LONGEST:
        raise BadAddress(messages.EMAIL_INVALID)
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise BadAddress(messages.EMAIL_INVALID) from None


def checked(address: str) -> str:
    """`address` without surrounding spaces if it is a valid address; else BadAddress."""
    address = address.strip()
    _validated(address)
    return address


def key(address: str) -> str:
    """The key that finds `address` in any case; BadAddress if it is not one."""
    return _validated(address.strip()).casefold()


def key_or_none(address: str) -> str | None:
    """`key(address)`, or None when it is not an address (a lookup that finds nothing)."""
    try:
        return key(address)
    except BadAddress:
        return None
