"""The username and password rules, one object built from config (NIST SP 800-63B).

The forms, the API models and their OpenAPI text, the templates' hints and the CLI all ask
the same `Policy`, so a limit is set in one place (the config) and said the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from zxcvbn import zxcvbn

from .. import messages

# zxcvbn refuses longer input (its matching grows fast with length), so a longer password
# is judged by its start: strong unless that start is itself easy to guess.
ZXCVBN_MAX = 72
_USERNAME_RE = re.compile(r"[\w.-]+")


def folded(text: str) -> str:
    """NFKC plus case folding: `Alice`, `alice` and fullwidth `Alice` become one."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Policy:
    """What a username and a password must be."""

    username_min: int
    username_max: int
    password_min: int
    password_max: int
    min_score: int

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        return cls(
            username_min=int(config["USERNAME_MIN_LENGTH"]),
            username_max=int(config["USERNAME_MAX_LENGTH"]),
            password_min=int(config["PASSWORD_MIN_LENGTH"]),
            password_max=int(config["PASSWORD_MAX_LENGTH"]),
            min_score=int(config["PASSWORD_MIN_SCORE"]),
        )

    def username_problems(self, username: str) -> list[str]:
        """Every reason `username` cannot be registered (empty when it can)."""
        problems = []
        if not self.username_min <= len(username) <= self.username_max:
            problems.append(messages.username_length(self.username_min, self.username_max))
        if username and not _USERNAME_RE.fullmatch(username):
            problems.append(messages.USERNAME_CHARACTERS)
        return problems

    def username_problem(self, username: str) -> str | None:
        """Why `username` cannot be registered, every reason in one text, or None."""
        return " ".join(self.username_problems(username)) or None

    def password_problems(self, password: str, username: str = "") -> list[str]:
        """Every reason `password` cannot be used by `username` (empty when it can)."""
        problems = []
        if len(password) < self.password_min:
            problems.append(messages.password_too_short(self.password_min))
        if len(password) > self.password_max:
            problems.append(messages.password_too_long(self.password_max))
        if any(unicodedata.category(c) == "Cc" for c in password):
            problems.append(messages.PASSWORD_CONTROL)
        # U+FFFD: bytes a form could not decode; lone surrogates: the same from a terminal
        # or a JSON escape. Neither can be typed again to sign in.
        if "\ufffd" in password or any(unicodedata.category(c) == "Cs" for c in password):
            problems.append(messages.PASSWORD_UNREADABLE)
        if username and folded(username) in folded(password):
            problems.append(messages.PASSWORD_HAS_USERNAME)
        strength = self.strength_problem(password, username) if password else None
        return [*problems, strength] if strength else problems

    def password_problem(self, password: str, username: str = "") -> str | None:
        """Why `password` cannot be used by `username`, every reason in one text, or None."""
        return " ".join(self.password_problems(password, username)) or None

    def strength_problem(self, password: str, username: str = "") -> str | None:
        """zxcvbn's verdict: its warning and suggestions when the score is below `min_score`."""
        if self.min_score <= 0:
            return None
        inputs = [username] if username else []
        result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=inputs, max_length=ZXCVBN_MAX)
        if result["score"] >= self.min_score:
            return None
        feedback = result["feedback"]
        parts = [feedback.get("warning") or messages.PASSWORD_GUESSABLE]
        parts += feedback.get("suggestions") or []
        return " ".join(p if p.endswith(".") else p + "." for p in parts)

    @property
    def username_hint(self) -> str:
        return messages.username_hint(self.username_min, self.username_max)

    @property
    def password_hint(self) -> str:
        return messages.password_hint(self.password_min)

    @property
    def username_doc(self) -> str:
        """The username rule for API clients (the OpenAPI text)."""
        return self.username_hint + " Compared case-insensitively; names that look alike are one."

    @property
    def password_doc(self) -> str:
        """The password rule for API clients (the OpenAPI text)."""
        return (
            f"{self.password_min} to {self.password_max} characters, no control characters, "
            "not your username and not easily guessed (zxcvbn score "
            f"{self.min_score} or more): the same policy as the registration form."
        )
