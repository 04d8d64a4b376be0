"""The ideal circular low-pass filter of PixMIM (Eq. 2-4), shared by model and data pipeline.

``LowPassTargetGenerator`` (model side, on a preprocessed batch) and the ``LowPassTarget``
transform (data side, on one augmented image in a dataloader worker) both filter through
:class:`LowPassFilter`, so the two sides cannot drift apart. This module imports only torch:
the datasets package may use it without importing the model registry.
"""
import math
from typing import Dict, Tuple

import torch


class LowPassFilter:
    """Keep the frequencies within ``radius`` bins of DC, per channel, over the last two dims.

    Frequencies are integer bin indices (``torch.fft.fftfreq(n) * n``), so DC sits at distance
    exactly 0 for odd and even sizes and the mask is conjugate-symmetric: the output is real
    and the real FFT (``rfft2``/``irfft2``) computes it exactly real. The filter is linear and
    keeps DC, so it commutes with a per-channel affine normalisation (up to float rounding).

    Args:
        radius (float): Bandwidth ``r`` in frequency bins of the whole image; bin ``(u, v)`` is
            kept when ``sqrt(u^2 + v^2) <= r``.
        scale_radius_with_size (bool): Use ``radius * min(H, W) / reference_size`` for an
            ``H x W`` image. Defaults to False.
        reference_size (int): Image side at which ``radius`` is meant. Defaults to 224.
        owner (str): Name used in error messages. Defaults to ``'LowPassFilter'``.
    """

    def __init__(self,
                 radius: float,
                 scale_radius_with_size: bool = False,
                 reference_size: int = 224,
                 owner: str = 'LowPassFilter') -> None:
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or radius < 0 \
                or math.isinf(radius) or math.isnan(radius):
            raise ValueError(f'{owner}: radius must be a finite number >= 0, got {radius!r}')
        if reference_size <= 0:
            raise ValueError(f'{owner}: reference_size must be > 0, got {reference_size!r}')
        self.radius = float(radius)
        self.scale_radius_with_size = scale_radius_with_size
        self.reference_size = reference_size
        # Masks per (H, W, device), built on first use; the transform pickles this to workers.
        self._masks: Dict[Tuple[int, int, str], torch.Tensor] = {}

    def effective_radius(self, height: int, width: int) -> float:
        """Radius in frequency bins used for an ``height x width`` image."""
        if self.scale_radius_with_size:
            return self.radius * min(height, width) / self.reference_size
        return self.radius

    def mask(self, height: int, width: int,
             device: torch.device = torch.device('cpu')) -> torch.Tensor:
        """The ``(H, W // 2 + 1)`` 0/1 mask on the half spectrum returned by ``rfft2``."""
        key = (height, width, str(device))
        if key not in self._masks:
            # Integer frequency indices: 0, 1, ..., -2, -1 (DC at index 0, distance 0).
            kw = dict(dtype=torch.float64, device=device)
            u = (torch.fft.fftfreq(height, **kw) * height).round()
            v = (torch.fft.rfftfreq(width, **kw) * width).round()
            radius = self.effective_radius(height, width)
            dist2 = u[:, None]**2 + v[None, :]**2
            # Squared distances are integers; the slack only absorbs rounding in radius**2
            # (e.g. radius=math.hypot(16, 24) must keep the bin at distance^2 = 832).
            self._masks[key] = (dist2 <= radius**2 + 1e-6).float()
        return self._masks[key]

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Filter ``images`` of shape ``(..., H, W)`` in float32; returns float32."""
        height, width = images.shape[-2:]
        # Half-precision FFTs are inaccurate (and limited to power-of-two sizes on CUDA).
        with torch.autocast(device_type=images.device.type, enabled=False):
            spectrum = torch.fft.rfft2(images.float(), norm='backward')
            spectrum = spectrum * self.mask(height, width, images.device)
            return torch.fft.irfft2(spectrum, s=(height, width), norm='backward')

    def __repr__(self) -> str:
        return (f'radius={self.radius}, scale_radius_with_size={self.scale_radius_with_size}, '
                f'reference_size={self.reference_size}')
