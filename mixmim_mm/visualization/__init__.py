# Each module registers its classes on import; keep one import line per module.
from . import reconstruction  # noqa: F401
