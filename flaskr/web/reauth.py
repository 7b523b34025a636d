"""Re-authentication: sensitive changes need the password given within REAUTH_MINUTES."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for

from .. import messages
from .errors import ApiError, wants_json
from .login import recently_authenticated


def required(back: str | None = None) -> Callable:
    """Decorate a view of a sensitive change (after `login_required`): without a recent
    password a page goes to /auth/reauthenticate and from there back to this page (a GET) or
    to the endpoint `back` (a form's POST); the API answers 403 `reauthentication_required`."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if recently_authenticated():
                return view(*args, **kwargs)
            if wants_json():
                raise ApiError(403, messages.REAUTH_REQUIRED, "reauthentication_required")
            if request.method == "GET" or back is None:
                target = request.full_path.rstrip("?")
            else:
                target = url_for(back)
            return redirect(url_for("auth.reauthenticate", next=target))

        return checked

    return decorate
