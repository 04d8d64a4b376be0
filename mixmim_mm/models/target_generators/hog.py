"""HOG reconstruction target of FastMIM (after MaskFeat), for any size and token stride.

The arithmetic is in :mod:`mixmim_mm.models.utils.hog_filter`, shared with the data-pipeline
``HOGTarget`` transform; this module adds the data preprocessor's mean/std, the buffers and
the fp32 guard.
"""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from ..utils.hog_filter import (HOG_NORMALIZATIONS, HOGSettings, check_hog_geometry,
                                gaussian_window_kernel, hog_features, sobel_kernels)
from .base import BaseTargetGenerator
from .preprocessor_stats import channel_stats

__all__ = [
    'HOG_NORMALIZATIONS', 'HOGSettings', 'HOGTargetGenerator', 'check_hog_geometry',
    'gaussian_window_kernel', 'hog_features', 'sobel_kernels'
]


@MODELS.register_module()
class HOGTargetGenerator(HOGSettings, BaseTargetGenerator):
    """Histograms of oriented gradients per token: the reconstruction target of FastMIM.

    What the paper (FastMIM, Sec. 4.1) states: HOG of the whole, unmasked image, 9 orientation
    bins, 8x8-pixel cells, "following MaskFeat". What comes from MaskFeat and the authors' code
    (not the paper): gradients per RGB channel with a 3x3 Sobel filter on the reflect-padded
    image, unsigned orientation with hard binning, no Gaussian window (MaskFeat: 16), L2
    normalisation of each cell's histogram per channel and no block normalisation; the target
    of a token is the histograms of the cells under it (ViT/16: 2x2 cells x 27 = 108 values;
    stride 32: 4x4 x 27 = 432). ``normalization='block'`` is offered as the Dalal-Triggs-style
    alternative over the token's cells. See :func:`hog_features` for the arithmetic.

    Unlike MMPretrain's ``HOGGenerator`` (14 tokens per side hard-coded) any input whose sides
    are multiples of ``token_stride`` works, so it serves 128/160/192-px pretraining. It runs in
    fp32 even under autocast, on the device of its input; the Sobel kernels and the Gaussian
    window are non-persistent buffers built once.

    Inputs are the data preprocessor's output, ``(x - mean) / std``; with ``mean``/``std`` set
    (FastMIM copies them from its data preprocessor at build time through
    :meth:`set_normalization`, as for the low-pass target) they are mapped back to pixel
    space first. Per-cell normalisation makes the result independent of a per-channel affine
    map, but the raw (``normalization=None``) histograms are not.

    Args:
        token_stride (int): Pixels per token side. Defaults to 16.
        nbins (int): Orientation bins. Defaults to 9.
        cell_size (int): Cell side in pixels. Defaults to 8.
        gaussian_window (int): Gaussian window side, 0 for none. Defaults to 0.
        normalization (str, optional): ``'cell'``, ``'block'`` or None. Defaults to 'cell'.
        mean (Sequence[float], optional): Per-channel input mean. Defaults to None.
        std (Sequence[float], optional): Per-channel input std. Defaults to None.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    per_token_target = True

    def __init__(self,
                 token_stride: int = 16,
                 nbins: int = 9,
                 cell_size: int = 8,
                 gaussian_window: int = 0,
                 normalization: Optional[str] = 'cell',
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.set_hog_settings(token_stride, nbins, cell_size, gaussian_window, normalization)
        kx, ky = sobel_kernels(3)
        self.register_buffer('sobel_x', kx, persistent=False)
        self.register_buffer('sobel_y', ky, persistent=False)
        self.register_buffer(
            'window',
            gaussian_window_kernel(gaussian_window) if gaussian_window else None,
            persistent=False)
        self.register_buffer('mean', None, persistent=False)
        self.register_buffer('std', None, persistent=False)
        self.set_normalization(mean, std)

    @property
    def out_channels(self) -> int:
        """Length of one token's target vector for RGB inputs."""
        return 3 * self.nbins * (self.token_stride // self.cell_size)**2

    def set_normalization(self, mean: Optional[Sequence[float]],
                          std: Optional[Sequence[float]]) -> None:
        """Set the per-channel statistics the inputs were normalised with (None: pixel space)."""
        mean, std = channel_stats(mean, std, 'HOGTargetGenerator', channels=3)
        device = self.sobel_x.device
        self.mean = None if mean is None else mean.to(device)
        self.std = None if std is None else std.to(device)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """HOG target of a batch.

        Args:
            images (Tensor): ``(B, 3, H, W)`` preprocessed images, sides multiples of
                ``token_stride``.

        Returns:
            Tensor: ``(B, (H / s) * (W / s), out_channels)`` float32 targets.
        """
        if not torch.is_tensor(images) or images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f'HOGTargetGenerator expects (B, 3, H, W) images, got '
                             f"{tuple(images.shape) if torch.is_tensor(images) else type(images)}")
        with torch.autocast(device_type=images.device.type, enabled=False):
            x = images.float()
            if self.mean is not None:
                x = x * self.std.to(x.device) + self.mean.to(x.device)
            return self.hog(x, kernels=(self.sobel_x, self.sobel_y), window=self.window)

    def extra_repr(self) -> str:
        return self.hog_settings_repr()
