# Each module registers its classes on import; keep one import line per module.
from . import simple_resized_crop  # noqa: F401
