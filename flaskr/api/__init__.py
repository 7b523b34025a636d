"""The JSON API (v1): a second door into the same users and sessions as the forms."""

from . import recovery  # noqa: F401 (its routes join bp)
from .views import bp

__all__ = ["bp"]
