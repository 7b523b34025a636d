"""Sign-up, sign-in and sign-out through HTML forms."""

from . import recovery  # noqa: F401 (its routes join bp)
from .views import bp

__all__ = ["bp"]
