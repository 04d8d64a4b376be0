# Each module registers its classes on import; keep one import line per module.
from . import layer_decay_constructor  # noqa: F401
