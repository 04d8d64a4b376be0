"""Take the reconstruction target from the data samples, where a pipeline transform put it."""
from typing import List, Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from .base import BaseTargetGenerator
from .preprocessor_stats import channel_stats


@MODELS.register_module()
class DataSampleTarget(BaseTargetGenerator):
    """Read a target computed in the data pipeline (e.g. by ``LowPassTarget``) from the batch.

    Set as an algorithm's ``target_generator`` to move the target's cost into the dataloader
    workers: the pipeline transform stores the target of each augmented image under ``key``,
    ``PackInputs(algorithm_keys=[key])`` carries it into the data sample, and this module
    stacks the batch. A pixel-space target (``pixel_space=True``, the low-pass image) gets the
    same channel conversion and ``(x - mean) / std`` as the data preprocessor gives the inputs,
    so the result equals what the model-side generator computes on the preprocessed batch.
    The algorithm copies the preprocessor's settings in at build time (see
    :func:`attach_preprocessor_normalization`).

    The choice is explicit rather than "use the data samples when they carry a target":
    PixMIM always has a model-side filter by default, and a pipeline that forgot the key in
    ``PackInputs.algorithm_keys`` must fail, not silently train on the raw image.

    Args:
        key (str): Data-sample field holding the target. Defaults to ``'low_pass_target'``.
        pixel_space (bool): The target is an image in the loaded image's pixel units and
            channel order, shaped like the input ``(C, H, W)`` (``LowPassTarget``): check that
            shape and preprocess it as the inputs are. False stacks the targets as they are
            (per-token features such as ``HOGTarget``'s, made in the model's channel order)
            and only checks that their shapes agree. Defaults to True.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    reads_data_samples = True

    def __init__(self,
                 key: str = 'low_pass_target',
                 pixel_space: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(key, str) or not key:
            raise ValueError(f'DataSampleTarget: key must be a non-empty str, got {key!r}')
        self.key = key
        self.pixel_space = pixel_space
        self.register_buffer('mean', None, persistent=False)
        self.register_buffer('std', None, persistent=False)
        self.swap_channels = False

    def set_normalization(self, mean: Optional[Sequence[float]],
                          std: Optional[Sequence[float]]) -> None:
        """Set the data preprocessor's per-channel mean/std (None: no normalisation)."""
        self.mean, self.std = channel_stats(mean, std, type(self).__name__)

    def set_channel_conversion(self, swap: bool) -> None:
        """Reverse the channel order (BGR <-> RGB) as the data preprocessor does."""
        self.swap_channels = swap

    def gather(self, data_samples: Optional[List], inputs: torch.Tensor) -> torch.Tensor:
        """Stack the ``key`` field of every data sample, checking presence and shapes."""
        if not data_samples or any(self.key not in sample for sample in data_samples):
            raise KeyError(
                f"DataSampleTarget: the data samples have no '{self.key}' field; put the "
                f"target transform (e.g. LowPassTarget) after the last crop/flip of the train "
                f"pipeline and PackInputs(algorithm_keys=['{self.key}']) at its end")
        targets = [sample.get(self.key) for sample in data_samples]
        first = tuple(targets[0].shape)
        for i, target in enumerate(targets):
            shape = tuple(target.shape)
            expected = tuple(inputs.shape[1:]) if self.pixel_space else first
            if shape != expected:
                what = 'its input image' if self.pixel_space else 'sample 0'
                raise ValueError(
                    f"DataSampleTarget: data sample {i} has '{self.key}' of shape {shape} but "
                    f'{what} is {expected}; the target transform must run on the final '
                    f'augmented image (after every crop, resize and flip)')
        return torch.stack(targets).to(inputs.device)

    @torch.no_grad()
    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> torch.Tensor:
        """The batch's target from ``data_samples``.

        Args:
            inputs (Tensor): ``(B, C, H, W)`` preprocessed inputs (for shape, dtype, device).
            data_samples (list[DataSample]): The batch's data samples.

        Returns:
            Tensor: ``(B, ...)`` targets; for a pixel-space target in the inputs' space.
        """
        target = self.gather(data_samples, inputs)
        if not self.pixel_space:
            return target
        target = target.float()
        if self.swap_channels:
            target = target.flip(1)
        if self.mean is not None:
            target = (target - self.mean.to(target.device)) / self.std.to(target.device)
        return target.to(inputs.dtype)

    def extra_repr(self) -> str:
        return f'key={self.key!r}, pixel_space={self.pixel_space}'
