# Each module registers its classes on import; keep one import line per module.
from . import fast_adamw  # noqa: F401
from . import layer_decay_constructor  # noqa: F401
from . import mixed_precision_optim_wrapper  # noqa: F401
