"""HOG arithmetic of FastMIM's target (after MaskFeat), for any size and token stride.

Plain functions (:func:`sobel_kernels`, :func:`gaussian_window_kernel`, :func:`hog_features`)
and the arguments (:class:`HOGSettings`), beside the low-pass filter, so that the model-side
``HOGTargetGenerator`` and the data-pipeline ``HOGTarget`` transform compute exactly the same
numbers.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

HOG_NORMALIZATIONS = ('cell', 'block', None)


def sobel_kernels(channels: int = 3,
                  device=None,
                  dtype: torch.dtype = torch.float32) -> Tuple[torch.Tensor, torch.Tensor]:
    """Depth-wise 3x3 Sobel kernels ``(kx, ky)``, each ``(channels, 1, 3, 3)``.

    ``kx = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]`` applied by cross-correlation (``conv2d``)
    and ``ky`` its transpose, as in MaskFeat and the FastMIM code.
    """
    kx = torch.tensor([[1., 0., -1.], [2., 0., -2.], [1., 0., -1.]], device=device, dtype=dtype)
    kx = kx.view(1, 1, 3, 3).repeat(channels, 1, 1, 1).contiguous()
    return kx, kx.transpose(2, 3).contiguous()


def gaussian_window_kernel(size: int, device=None) -> torch.Tensor:
    """A ``(size, size)`` Gaussian weight with std ``size // 2``, summing to 1 (MaskFeat's)."""
    n = torch.arange(size, dtype=torch.float32, device=device)
    n = (n - n.mean()) / (size // 2)
    w = torch.exp(-0.5 * n**2)
    kernel = w[:, None] * w[None, :]
    return kernel / kernel.sum()


def check_hog_geometry(height: int,
                       width: int,
                       cell_size: int,
                       token_stride: int,
                       gaussian_window: int = 0,
                       owner: str = 'HOG') -> None:
    """Raise a ValueError naming the setting when an ``height x width`` image cannot be binned."""
    if cell_size < 1 or token_stride < 1:
        raise ValueError(f'{owner}: cell_size and token_stride must be >= 1, got '
                         f'{cell_size} and {token_stride}')
    if token_stride % cell_size:
        raise ValueError(f'{owner}: token_stride={token_stride} is not a multiple of '
                         f'cell_size={cell_size}')
    for name, side in (('height', height), ('width', width)):
        if side % token_stride:
            raise ValueError(f'{owner}: image {name} {side} is not divisible by the token '
                             f'stride {token_stride} (cells of {cell_size} px); crop or resize '
                             f'to a multiple of {token_stride}')
        if gaussian_window and side % gaussian_window:
            raise ValueError(f'{owner}: image {name} {side} is not divisible by '
                             f'gaussian_window={gaussian_window}')


class HOGSettings:
    """The HOG arguments shared by ``HOGTargetGenerator`` and the ``HOGTarget`` transform.

    Both sides take the same arguments, reject the same ones and call :func:`hog_features`
    with them through :meth:`hog`, so they cannot drift apart.
    """

    def set_hog_settings(self, token_stride: int, nbins: int, cell_size: int, gaussian_window: int,
                         normalization: Optional[str]) -> None:
        """Check the arguments (a ValueError names the one at fault) and store them."""
        owner = type(self).__name__
        if nbins < 1:
            raise ValueError(f'{owner}: nbins must be >= 1, got {nbins}')
        if normalization not in HOG_NORMALIZATIONS:
            raise ValueError(f'{owner}: normalization must be one of {HOG_NORMALIZATIONS}, '
                             f'got {normalization!r}')
        if gaussian_window < 0 or gaussian_window == 1:
            raise ValueError(f'{owner}: gaussian_window must be 0 or >= 2, got '
                             f'{gaussian_window}')
        check_hog_geometry(token_stride, token_stride, cell_size, token_stride, owner=owner)
        self.token_stride = token_stride
        self.nbins = nbins
        self.cell_size = cell_size
        self.gaussian_window = gaussian_window
        self.normalization = normalization

    def hog(self, images: torch.Tensor, kernels: Tuple[torch.Tensor, torch.Tensor],
            window: Optional[torch.Tensor]) -> torch.Tensor:
        """:func:`hog_features` of ``(B, C, H, W)`` pixel-space images with these settings."""
        return hog_features(
            images,
            token_stride=self.token_stride,
            nbins=self.nbins,
            cell_size=self.cell_size,
            gaussian_window=self.gaussian_window,
            normalization=self.normalization,
            kernels=kernels,
            window=window)

    def hog_settings_repr(self) -> str:
        return (f'token_stride={self.token_stride}, nbins={self.nbins}, '
                f'cell_size={self.cell_size}, gaussian_window={self.gaussian_window}, '
                f'normalization={self.normalization!r}')


def hog_features(images: torch.Tensor,
                 token_stride: int,
                 nbins: int = 9,
                 cell_size: int = 8,
                 gaussian_window: int = 0,
                 normalization: Optional[str] = 'cell',
                 kernels: Optional[Tuple[torch.Tensor, torch.Tensor]] = None,
                 window: Optional[torch.Tensor] = None,
                 eps: float = 1e-12) -> torch.Tensor:
    """Per-token HOG features of a batch of images.

    Steps, per colour channel: reflect-pad by 1, Sobel gradients ``gx``/``gy``, magnitude
    ``sqrt(gx^2 + gy^2)`` (optionally times a Gaussian window tiled every
    ``gaussian_window`` pixels), unsigned orientation ``atan2(gx, gy)`` hard-assigned to one of
    ``nbins`` bins of ``180 / nbins`` degrees (bin ``floor(atan2(gx, gy) / pi * nbins) mod
    nbins``; a vertical edge lands in bin ``nbins // 2``, a horizontal one in bin 0), then the
    magnitudes are summed over non-overlapping ``cell_size`` cells.

    Args:
        images (Tensor): ``(B, C, H, W)`` images in pixel space (0-1 or 0-255; with
            ``normalization=None`` the output scales with the input). ``H`` and ``W`` must be
            multiples of ``token_stride``.
        token_stride (int): Pixels per token side (16 for ViT/16, 32 for stride-32 backbones).
        nbins (int): Orientation bins over 180 degrees. Defaults to 9.
        cell_size (int): Cell side in pixels. Defaults to 8.
        gaussian_window (int): Side of the Gaussian weighting window (MaskFeat uses 16,
            FastMIM's code 0 = none). Defaults to 0.
        normalization (str, optional): ``'cell'``: L2-normalise the ``nbins`` histogram of every
            cell and channel (MaskFeat, FastMIM's ``norm_pix_loss``); ``'block'``: L2-normalise
            all histograms of one channel under one token together (a block of
            ``token_stride / cell_size`` cells squared); None: raw sums. Defaults to 'cell'.
        kernels (tuple[Tensor, Tensor], optional): Prebuilt :func:`sobel_kernels`.
        window (Tensor, optional): Prebuilt :func:`gaussian_window_kernel`.
        eps (float): Lower bound of the norm in the normalisation. Defaults to 1e-12.

    Returns:
        Tensor: ``(B, N, C * nbins * (token_stride // cell_size) ** 2)`` float32 features, ``N``
        tokens in row-major order; each token's vector is ordered (channel, bin, cell row, cell
        column), the layout of MMPretrain's ``HOGGenerator``.
    """
    if not torch.is_tensor(images) or images.dim() != 4:
        raise ValueError(f'hog_features expects a (B, C, H, W) tensor, got '
                         f"{tuple(images.shape) if torch.is_tensor(images) else type(images)}")
    if normalization not in HOG_NORMALIZATIONS:
        raise ValueError(f'hog_features: normalization must be one of {HOG_NORMALIZATIONS}, '
                         f'got {normalization!r}')
    b, c, h, w = images.shape
    check_hog_geometry(h, w, cell_size, token_stride, gaussian_window, owner='hog_features')
    x = images.float()
    if kernels is None:
        kernels = sobel_kernels(c, device=x.device)
    kx, ky = (k.to(x.device) for k in kernels)
    x = F.pad(x, (1, 1, 1, 1), mode='reflect')
    gx = F.conv2d(x, kx, groups=c)
    gy = F.conv2d(x, ky, groups=c)
    magnitude = torch.sqrt(gx * gx + gy * gy)
    if gaussian_window:
        if window is None:
            window = gaussian_window_kernel(gaussian_window, device=x.device)
        magnitude = magnitude * window.to(x.device).repeat(h // gaussian_window,
                                                           w // gaussian_window)
    bins = torch.floor(torch.atan2(gx, gy) / math.pi * nbins).long() % nbins
    hist = magnitude.new_zeros(b, c, nbins, h, w)
    hist.scatter_add_(2, bins.unsqueeze(2), magnitude.unsqueeze(2))
    hist = hist.view(b, c, nbins, h // cell_size, cell_size, w // cell_size, cell_size).sum((4, 6))
    if normalization == 'cell':
        hist = F.normalize(hist, p=2, dim=2, eps=eps)
    # (B, C, nbins, gh, u, gw, u) -> (B, gh, gw, C, nbins, u, u): one vector per token.
    u = token_stride // cell_size
    gh, gw = h // token_stride, w // token_stride
    tokens = hist.view(b, c, nbins, gh, u, gw, u).permute(0, 3, 5, 1, 2, 4, 6)
    if normalization == 'block':
        tokens = F.normalize(tokens.flatten(4), p=2, dim=4, eps=eps)
    return tokens.reshape(b, gh * gw, c * nbins * u * u)
