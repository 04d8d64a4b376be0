# Each module registers its classes on import; keep one import line per module.
from . import cached_loading  # noqa: F401
from . import image_targets  # noqa: F401
from . import simple_resized_crop  # noqa: F401
