# Each module registers its classes on import; keep one import line per module.
from . import atomic_checkpoint_hook  # noqa: F401
from . import reconstruction_hook  # noqa: F401
from . import target_source_check_hook  # noqa: F401
from .knn_eval_hook import KNNEvalHook  # noqa: F401
from .mixing_batch_check_hook import MixingBatchCheckHook  # noqa: F401
from .progressive_resolution_hook import ProgressiveResolutionHook  # noqa: F401
