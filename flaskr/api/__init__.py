"""The JSON API (v1): a second door into the same users and sessions as the forms."""

from . import account, passkeys, recovery, two_factor  # noqa: F401 (their routes join the blueprint)
from .views import bp

__all__ = ["bp"]
