"""The admin area (/admin): find a user, see what happened to the account, and act on it."""

from . import actions, trail  # noqa: F401 (their routes join the blueprint)
from .views import bp

__all__ = ["bp"]
