"""The signed-in user's settings: password, sessions on other devices, account deletion."""

from .views import bp

__all__ = ["bp"]
