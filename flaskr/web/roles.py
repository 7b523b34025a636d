"""Roles for a team's own pages and API: `from flaskr.web.roles import roles_required`.

This is the one place to import it from. A view behind `@roles_required("editor")` answers
a signed-out visitor with the sign-in page (under /api/: 401 `not_authenticated`) and a
signed-in user without every role named with a 403 page (under /api/: 403 `forbidden`).
Roles are given with `flask users grant NAME ROLE`; the decision reads the user's document
on every request, so a revocation counts at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from .. import messages
from ..extensions import login_manager
from ..identity import users
from .errors import wants_json

F = TypeVar("F", bound=Callable[..., Any])


def has_roles(*roles: str) -> bool:
    """Whether the signed-in user has every one of `roles` now (read from their account)."""
    if not current_user.is_authenticated:
        return False
    held = users.roles(current_user.doc)
    return all(role in held for role in roles)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Decorate a view that only users holding every one of `roles` may use."""
    if not roles:
        raise ValueError("name at least one role")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if wants_json():
                    abort(401)
                return login_manager.unauthorized()
            if not has_roles(*roles):
                raise Forbidden(messages.NOT_ALLOWED)
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
