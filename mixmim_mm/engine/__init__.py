from . import atomic_local_backend  # noqa: F401  (registers the 'atomic_local' file backend)
from . import hooks  # noqa: F401
from . import optimizers  # noqa: F401
from .safe_loading import register_checkpoint_safe_globals

# torch >= 2.6 loads with weights_only=True; allow exactly what mmengine checkpoints hold so
# that resuming works without turning safe loading off (see safe_loading.py).
register_checkpoint_safe_globals()
