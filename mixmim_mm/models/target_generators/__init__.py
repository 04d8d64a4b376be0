# Each module registers its classes on import; keep one import line per module.
from . import data_sample_target  # noqa: F401
from . import hog  # noqa: F401
from . import low_pass  # noqa: F401
from .base import PIPELINE_TARGET_KEYS, BaseTargetGenerator  # noqa: F401
from .preprocessor_stats import attach_preprocessor_normalization  # noqa: F401
