"""The password policy (NIST SP 800-63B): length, not the username, not easily guessed."""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

PASSWORD_MAX = 1024
# zxcvbn refuses longer input (its matching grows fast with length), so a longer password
# is judged by its start: strong unless that start is itself easy to guess.
ZXCVBN_MAX = 72


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def strength_problem(password: str, username: str = "", min_score: int = 3) -> str | None:
    """zxcvbn's verdict: its warning and suggestions when the score is below `min_score`."""
    if min_score <= 0:
        return None
    inputs = [username] if username else []
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=inputs, max_length=ZXCVBN_MAX)
    if result["score"] >= min_score:
        return None
    feedback = result["feedback"]
    parts = [feedback.get("warning") or "This password is too easy to guess."]
    parts += feedback.get("suggestions") or []
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


def password_problem(
    password: str, username: str = "", *, min_length: int = 8, min_score: int = 3
) -> str | None:
    """Why `password` cannot be used by `username`, or None."""
    if not min_length <= len(password) <= PASSWORD_MAX:
        return f"Password must be {min_length} to {PASSWORD_MAX} characters long."
    if any(unicodedata.category(c) == "Cc" for c in password):
        return "Password must not contain control characters."
    if "\ufffd" in password:
        return "Password contains characters that could not be read; check its encoding."
    if username and _folded(username) in _folded(password):
        return "Password must not contain your username."
    return strength_problem(password, username, min_score)
