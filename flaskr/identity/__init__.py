"""The identity core: the rules of the house, as plain functions over plain values.

Nothing here reads Flask's request, session or current_app; the doors (forms, API, CLI) pass
in what they know (an address, a device, the time) and get plain answers back.
"""

from __future__ import annotations

from . import audit, challenges, passkeys, sessions, signin, throttle, tokens, users

# Every index the identity core's collections need; `create_app` hands them to db.py.
INDEXES = [
    *users.INDEXES,
    *sessions.INDEXES,
    *throttle.INDEXES,
    *audit.INDEXES,
    *signin.INDEXES,
    *tokens.INDEXES,
    *passkeys.INDEXES,
    *challenges.INDEXES,
]
INDEXES += [*users.ROLE_INDEXES, *audit.TRAIL_INDEXES, *audit.HOUR_INDEXES]

# What `flask init-db` changes in stored data after an upgrade (usernames' look-alike keys).
UPGRADES = [users.rekey_report]
