# Each module registers its classes on import; keep one import line per module.
from . import reconstruction_hook  # noqa: F401
from . import atomic_checkpoint_hook  # noqa: F401
