"""What happens to a whole account: a new password, disabling, or deletion of all it owns.

The account page and the admin CLI both call these, so the two doors cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from . import audit, sessions, throttle, users


def change_password(user_id: Any, password: str, rounds: int, *, keep: str | None = None) -> int:
    """Set a new password and end the user's sessions but `keep`; return how many ended."""
    users.set_password(user_id, password, rounds)
    # Other devices, remember-me cookies included, must sign in with the new password.
    return sessions.end_user_sessions(user_id, keep=keep)


def disable_account(user_id: Any) -> int:
    """Refuse the user's sign-ins and end all their sessions; return how many ended."""
    # The flag first: a sign-in racing with this either sees it (login.sign_in) or started
    # its session early enough to be ended here. Sessions carry no "disabled" of their own.
    users.set_disabled(user_id, True)
    return sessions.end_user_sessions(user_id)


def delete_account(user_id: Any, username: str) -> int:
    """Delete the user, their sessions, audit events and failure counter; return sessions ended."""
    # The user first: no new session can start for them, and whatever a crash leaves
    # behind belongs to nobody.
    users.delete_user(user_id)
    ended = sessions.end_user_sessions(user_id)
    audit.delete_user_events(user_id)
    throttle.clear_user(users.username_key(username))
    return ended
