"""Sign-up, sign-in and sign-out through HTML forms."""

from .views import bp

__all__ = ["bp"]
