"""Low-pass reconstruction target of PixMIM (Liu et al., TMLR 2024, Sec. 4.1, Eq. 2-4)."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from ..utils.low_pass_filter import LowPassFilter
from .base import BaseTargetGenerator
from .preprocessor_stats import channel_stats


@MODELS.register_module()
class LowPassTargetGenerator(BaseTargetGenerator):
    """Keep only the low spatial frequencies of a batch of images.

    Each colour channel of the whole image goes through a 2-D DFT, is multiplied by an ideal
    circular low-pass filter (1 inside radius ``r`` around the zero frequency, 0 outside) and is
    transformed back. This is the reconstruction target of PixMIM; the encoder input is never
    filtered. Per-patch target normalisation (MAE's ``norm_pix``) stays in the head, so it is
    applied to the filtered image, as in the authors' code.

    Frequencies are integer bin indices (``torch.fft.fftfreq(n) * n``), so the zero frequency
    sits at distance exactly 0 for odd and even sizes alike and the mask is conjugate-symmetric.
    The filter therefore keeps the DC term for every ``radius >= 0``, its output is real up to
    rounding and we use the real FFT (``rfft2``/``irfft2``), which returns it exactly real.
    (The MMSelfSup 1.x code centres the circle half a bin off DC and takes ``abs()`` of a
    slightly complex result instead; with ``radius=0`` it returns zeros.)

    Inputs are the data preprocessor's output, ``(x - mean) / std``. The generator maps them back
    to pixel values, filters, and normalises again with the same statistics, so the target has
    the input's scale. ``mean``/``std`` are not hard-coded: :class:`PixMIM` copies them from the
    model's data preprocessor at build time through :meth:`set_normalization` (or pass them here
    to use the generator on its own). Without them the input is taken to be in pixel space.
    Because the filter is linear and keeps DC, filtering in pixel or normalised space gives the
    same result up to float rounding; working in pixel space follows the paper's definition.

    Args:
        radius (float): Bandwidth ``r`` of the ideal filter in frequency bins of the whole
            image; a bin ``(u, v)`` is kept when ``sqrt(u^2 + v^2) <= r``. ``r = 0`` keeps only
            the mean colour; any ``r`` at or above the half-diagonal ``sqrt((H/2)^2 + (W/2)^2)``
            keeps everything. Defaults to 40, the paper's value for 224 x 224 inputs.
        scale_radius_with_size (bool): Use ``radius * min(H, W) / reference_size`` instead of
            ``radius`` for an ``H x W`` input, i.e. keep the same fraction of the spectrum as
            ``radius`` does at the reference size (the paper states no rule for other sizes).
            Defaults to False.
        reference_size (int): Image side at which ``radius`` is meant. Defaults to 224.
        mean (Sequence[float], optional): Per-channel mean of the input normalisation, in the
            data preprocessor's units (e.g. 0-255). Defaults to None.
        std (Sequence[float], optional): Per-channel std of the input normalisation. Defaults
            to None.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 radius: float = 40.,
                 scale_radius_with_size: bool = False,
                 reference_size: int = 224,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        # The arithmetic is shared with the LowPassTarget data transform.
        self.filter = LowPassFilter(
            radius, scale_radius_with_size, reference_size, owner=type(self).__name__)
        self.register_buffer('mean', None, persistent=False)
        self.register_buffer('std', None, persistent=False)
        self.set_normalization(mean, std)

    @property
    def radius(self) -> float:
        return self.filter.radius

    @property
    def scale_radius_with_size(self) -> bool:
        return self.filter.scale_radius_with_size

    @property
    def reference_size(self) -> int:
        return self.filter.reference_size

    def set_normalization(self, mean: Optional[Sequence[float]],
                          std: Optional[Sequence[float]]) -> None:
        """Set the per-channel statistics the inputs were normalised with.

        Args:
            mean (Sequence[float] | Tensor, optional): Per-channel mean, or None for inputs
                already in pixel space.
            std (Sequence[float] | Tensor, optional): Per-channel std, or None.
        """
        self.mean, self.std = channel_stats(mean, std, type(self).__name__)

    def effective_radius(self, height: int, width: int) -> float:
        """Radius in frequency bins used for an ``height x width`` image."""
        return self.filter.effective_radius(height, width)

    def filter_mask(self, height: int, width: int,
                    device: torch.device = torch.device('cpu')) -> torch.Tensor:
        """The ``(H, W // 2 + 1)`` 0/1 mask on the half spectrum returned by ``rfft2``."""
        return self.filter.mask(height, width, device)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Low-pass filter a batch.

        Args:
            images (Tensor): ``(B, C, H, W)`` images as produced by the data preprocessor.

        Returns:
            Tensor: The filtered batch, same shape, dtype and normalisation as ``images``.
        """
        if not torch.is_tensor(images) or images.dim() != 4:
            raise ValueError(f'LowPassTargetGenerator expects a (B, C, H, W) tensor, got '
                             f"{tuple(images.shape) if torch.is_tensor(images) else type(images)}"
                             f" (use collate_fn=dict(type='default_collate') so that inputs "
                             f'are stacked)')
        if self.mean is not None and self.mean.shape[1] != images.shape[1]:
            raise ValueError(f'LowPassTargetGenerator: mean/std have {self.mean.shape[1]} '
                             f'channels but the images have {images.shape[1]}')
        x = images.float()
        if self.mean is not None:
            mean, std = self.mean.to(x.device), self.std.to(x.device)
            x = x * std + mean
        x = self.filter(x)
        if self.mean is not None:
            x = (x - mean) / std
        return x.to(images.dtype)

    def extra_repr(self) -> str:
        return repr(self.filter)
