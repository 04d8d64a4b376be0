"""Analysis of trained models (no registered modules)."""
# One import line per module.
from . import features  # noqa: F401
from . import frequency  # noqa: F401
from . import knn  # noqa: F401
from . import linear_probe  # noqa: F401
