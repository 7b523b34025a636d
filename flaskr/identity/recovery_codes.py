"""Recovery codes: single-use backup codes for when the authenticator app is gone.

A code is 16 characters of Crockford base32 (80 bits from `secrets`), shown to the user once
as `xxxx-xxxx-xxxx-xxxx`. The database keeps, per code, a bcrypt hash (NIST SP 800-63B wants a
salted password hash for look-up secrets under 112 bits) and its first two characters as a
hint, so a check runs bcrypt once instead of once per code; the other 70 bits stay secret.
Using a code removes it atomically: it works once, even for two requests racing with it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from . import passwords, users

NAME = "recovery_code"
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's: no i, l, o or u to misread
LENGTH = 16  # 80 bits
HINT = 2  # characters kept in the clear to find the code's hash
# bcrypt's cost for codes: 70 secret bits need no more, and ten are hashed at once.
MAX_ROUNDS = 8
# What people type for the letters the alphabet leaves out.
_READ_AS = str.maketrans({"i": "1", "l": "1", "o": "0"})


def generate(count: int) -> list[str]:
    """`count` new codes, as they are shown (grouped in fours)."""
    return [shown("".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) for _ in range(count)]


def shown(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalised(answer: object) -> str | None:
    """The code as stored (16 characters, no dashes or spaces), or None if it is not one."""
    if not isinstance(answer, str):
        return None
    code = "".join(answer.lower().replace("-", " ").split()).translate(_READ_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def stored(codes: list[str], rounds: int) -> list[dict[str, str]]:
    """What the database keeps of `codes`: a hint and a salted hash each."""
    cost = min(rounds, MAX_ROUNDS)
    out = []
    for code in codes:
        plain = normalised(code)
        assert plain is not None  # made by generate()
        out.append({"hint": plain[:HINT], "hash": passwords.hash_password(plain, cost)})
    return out


def matching_hash(kept: list[dict[str, str]], answer: object) -> str | None:
    """The stored hash that `answer` is the code of, or None."""
    code = normalised(answer)
    candidates = [c["hash"] for c in kept if code and c["hint"] == code[:HINT]]
    if code is None or not candidates:
        # As slow as a real check, so the time taken does not tell the hints apart.
        cost = int(kept[0]["hash"].split("$")[2]) if kept else MAX_ROUNDS
        passwords.burn_check(answer if isinstance(answer, str) else "", cost)
        return None
    return next((h for h in candidates if passwords.check_password(code, h)), None)


class RecoveryCodeFactor:
    """The `recovery_code` second factor of the sign-in flow (identity.factors.Factor)."""

    name = NAME

    def enrolled(self, user: dict[str, Any]) -> bool:
        return bool(users.recovery_codes(user))

    def verify(self, user: dict[str, Any], answer: str, now: datetime) -> bool:
        found = matching_hash(users.recovery_codes(user), answer)
        # Used up atomically: of two requests with one code, only one removes it.
        return found is not None and users.use_recovery_code(user["_id"], found)
