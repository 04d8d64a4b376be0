"""Analysis of trained models (no registered modules)."""
# One import line per module.
from . import frequency  # noqa: F401
