"""The signed-in user's settings: password, sessions on other devices, account deletion."""

from . import email  # noqa: F401 (its routes join bp)
from .views import bp

__all__ = ["bp"]
