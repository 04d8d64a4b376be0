"""The contract between a masked-image-modeling algorithm and the module that makes its
reconstruction target (``target_generator``)."""
from typing import List, Optional, Sequence

import torch
from mmengine.model import BaseModule

# Data-sample fields written by the package's pipeline target transforms (``LowPassTarget``,
# ``HOGTarget``; a new transform adds its key here). A batch carrying one of them into a model
# that computes its own target, or none, is a config error.
PIPELINE_TARGET_KEYS = ('low_pass_target', 'hog_target')


def pipeline_target_key(data_samples: Optional[List]) -> Optional[str]:
    """The first pipeline-target field present in the batch's data samples, or None."""
    if not data_samples:
        return None
    sample = data_samples[0]
    return next((key for key in PIPELINE_TARGET_KEYS if key in sample), None)


class BaseTargetGenerator(BaseModule):
    """Base of every target generator an algorithm of this package accepts.

    The algorithm (:class:`~mixmim_mm.models.algorithms.reconstruction_target.
    ReconstructionTargetMixin`) reads these declarations; a generator overrides what differs.

    Attributes:
        reads_data_samples (bool): The target comes from the batch's data samples, where a
            pipeline transform put it (``forward(inputs, data_samples)``), not from the
            preprocessed inputs (``forward(inputs)``). Defaults to False.
        per_token_target (bool): ``forward`` returns ``(B, N, D)`` per-token features (HOG)
            rather than an image shaped like the inputs, which the algorithm then checks.
            Defaults to False.
        token_stride (int, optional): Pixels per target token side, for per-token targets;
            the algorithm checks it against its mask cell. Defaults to None.
    """

    reads_data_samples = False
    per_token_target = False
    token_stride: Optional[int] = None

    def forward(self, inputs: torch.Tensor, *args) -> torch.Tensor:
        raise NotImplementedError(f'{type(self).__name__} must implement forward')

    def set_normalization(self, mean: Optional[Sequence[float]],
                          std: Optional[Sequence[float]]) -> None:
        """Receive the data preprocessor's per-channel mean/std (None: inputs in pixel units).

        Called by the algorithm at build time. A generator defined on pixel values maps the
        normalised inputs back with them; this default, for generators that work on the
        inputs as they are, ignores them.
        """

    def set_channel_conversion(self, swap: bool) -> None:
        """Receive whether the data preprocessor swaps the channel order (BGR -> RGB).

        Called by the algorithm at build time; matters to a target made in the data pipeline,
        in the loaded image's channel order. Ignored by default.
        """
