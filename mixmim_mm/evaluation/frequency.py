"""PSNR per spatial-frequency band, the analysis of PixMIM's Figures 1 and 5.

Band definition (the paper states none; this is the reading that matches its axes, 0..112 for
224 px images, and the radius convention of :class:`LowPassTargetGenerator`):

* The 2-D DFT of an ``H x W`` image has bins ``(u, v)`` with integer frequencies
  ``u in [-H/2, H/2)`` and ``v in [-W/2, W/2)``, i.e. the centred spectrum with the zero
  frequency (DC) at distance 0. A bin's radius is ``sqrt(u^2 + v^2)``.
* ``[0, max_radius]`` is cut into ``num_bands`` rings of equal width; band ``k`` holds the bins
  with ``edges[k] <= radius < edges[k + 1]`` (the last ring also holds ``radius == max_radius``).
  ``max_radius`` defaults to ``min(H, W) / 2``, so the spectrum's corners beyond it are in no
  band; pass the half-diagonal to cover every bin.
* The PSNR of band ``k`` compares the two images after keeping only that band's bins in both
  (ideal band-pass filter, per channel):
  ``10 * log10(peak^2 / MSE)``, the MSE taken over channels and pixels of the band-limited
  images. By Parseval's theorem that MSE is computed from the spectrum of the difference
  without going back to the pixel domain. Equal bands give an infinite PSNR.

Every function works on a batch and returns per-image values; averaging is left to the caller.
"""
import math
from typing import Optional, Tuple

import torch


def radial_frequency(height: int,
                     width: int,
                     device: Optional[torch.device] = None) -> torch.Tensor:
    """Distance of each DFT bin from the zero frequency, in frequency-bin units.

    Args:
        height (int): Image height ``H``.
        width (int): Image width ``W``.
        device (torch.device, optional): Device of the result.

    Returns:
        Tensor: ``(H, W)`` float64 radii in the layout of ``torch.fft.fft2`` (DC at ``[0, 0]``,
        not shifted); ``torch.fft.fftshift`` gives the centred picture.
    """
    if height < 1 or width < 1:
        raise ValueError(f'radial_frequency: image size must be positive, got {height}x{width}')
    kw = dict(dtype=torch.float64, device=device)
    u = (torch.fft.fftfreq(height, **kw) * height).round()
    v = (torch.fft.fftfreq(width, **kw) * width).round()
    return torch.sqrt(u[:, None]**2 + v[None, :]**2)


def band_edges(num_bands: int, max_radius: float) -> torch.Tensor:
    """``num_bands + 1`` equally spaced ring radii from 0 to ``max_radius`` (float64)."""
    if not isinstance(num_bands, int) or num_bands < 1:
        raise ValueError(f'num_bands must be a positive int, got {num_bands!r}')
    if not max_radius > 0 or math.isinf(max_radius):
        raise ValueError(f'max_radius must be a finite number > 0, got {max_radius!r}')
    return torch.linspace(0., float(max_radius), num_bands + 1, dtype=torch.float64)


def default_max_radius(height: int, width: int) -> float:
    """``min(H, W) / 2``: the highest frequency that exists along both image axes."""
    return min(height, width) / 2


def band_masks(height: int,
               width: int,
               num_bands: int = 16,
               max_radius: Optional[float] = None,
               device: Optional[torch.device] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Boolean ring masks on the (unshifted) ``fft2`` grid.

    Args:
        height (int): Image height ``H``.
        width (int): Image width ``W``.
        num_bands (int): Number of rings. Defaults to 16.
        max_radius (float, optional): Outer radius of the last ring. Defaults to
            ``min(H, W) / 2``.
        device (torch.device, optional): Device of the masks.

    Returns:
        tuple[Tensor, Tensor]: ``masks`` ``(num_bands, H, W)`` bool, disjoint, and ``edges``
        ``(num_bands + 1,)``. Every ring is symmetric under ``(u, v) -> (-u, -v)``, so a
        band-limited real image stays real.
    """
    if max_radius is None:
        max_radius = default_max_radius(height, width)
    edges = band_edges(num_bands, max_radius)
    radius = radial_frequency(height, width, device)
    # Integer squared radii make exact edge hits common (e.g. radius 5 = (3, 4)); a tiny
    # slack keeps a bin on an edge in the upper band whatever the rounding of the edges.
    eps = 1e-9
    lower = edges[:-1].to(radius.device).view(-1, 1, 1) - eps
    upper = edges[1:].to(radius.device).view(-1, 1, 1) - eps
    masks = (radius >= lower) & (radius < upper)
    masks[-1] |= (radius - max_radius).abs() <= eps
    return masks, edges


def _check_pair(reference: torch.Tensor, estimate: torch.Tensor) -> None:
    for name, t in (('reference', reference), ('estimate', estimate)):
        if not torch.is_tensor(t) or t.dim() != 4:
            raise ValueError(f'{name} must be a (B, C, H, W) tensor, got '
                             f'{tuple(t.shape) if torch.is_tensor(t) else type(t).__name__}')
    if reference.shape != estimate.shape:
        raise ValueError(f'reference {tuple(reference.shape)} and estimate '
                         f'{tuple(estimate.shape)} must have the same shape')


def band_limit(images: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Keep only the bins of ``mask`` (``(H, W)`` on the ``fft2`` grid) in every channel.

    Args:
        images (Tensor): ``(..., H, W)`` real images.
        mask (Tensor): ``(H, W)`` bool or 0/1 mask from :func:`band_masks`.

    Returns:
        Tensor: The band-limited images, same shape, float64.
    """
    spectrum = torch.fft.fft2(images.to(torch.float64))
    return torch.fft.ifft2(spectrum * mask.to(spectrum.real.dtype)).real


def band_mse(reference: torch.Tensor, estimate: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Per-image MSE between the band-limited ``reference`` and ``estimate``, for every band.

    Args:
        reference (Tensor): ``(B, C, H, W)`` images.
        estimate (Tensor): ``(B, C, H, W)`` images of the same shape.
        masks (Tensor): ``(K, H, W)`` band masks from :func:`band_masks`.

    Returns:
        Tensor: ``(B, K)`` float64 MSE, averaged over channels and pixels.
    """
    _check_pair(reference, estimate)
    b, c, h, w = reference.shape
    if masks.dim() != 3 or tuple(masks.shape[1:]) != (h, w):
        raise ValueError(f'masks must be (K, {h}, {w}) for {h}x{w} images, got '
                         f'{tuple(masks.shape)}')
    diff = estimate.to(torch.float64) - reference.to(torch.float64)
    power = torch.fft.fft2(diff).abs().square().sum(dim=1)  # (B, H, W), summed over channels
    # Parseval: sum_pixels |x|^2 = sum_bins |X|^2 / (H W); the mean over C*H*W pixels then
    # divides by C*H*W once more.
    energy = power.flatten(1) @ masks.flatten(1).to(power).T  # (B, K)
    return energy / (c * (h * w)**2)


def mse_to_psnr(mse: torch.Tensor, peak: float = 255.) -> torch.Tensor:
    """``10 * log10(peak^2 / mse)`` in dB; ``inf`` where ``mse == 0``."""
    if not peak > 0:
        raise ValueError(f'peak must be > 0, got {peak!r}')
    mse = torch.as_tensor(mse, dtype=torch.float64)
    # Rounding leaves ~1e-30 residues for equal inputs; treat those as exactly equal.
    exact = mse <= (peak**2) * 1e-20
    psnr = 10 * torch.log10(peak**2 / mse.clamp_min(torch.finfo(torch.float64).tiny))
    return torch.where(exact, torch.full_like(psnr, math.inf), psnr)


def band_psnr(reference: torch.Tensor,
              estimate: torch.Tensor,
              num_bands: int = 16,
              max_radius: Optional[float] = None,
              peak: float = 255.) -> Tuple[torch.Tensor, torch.Tensor]:
    """PSNR of ``estimate`` against ``reference`` in each frequency band.

    Args:
        reference (Tensor): ``(B, C, H, W)`` images, e.g. originals in pixel units.
        estimate (Tensor): ``(B, C, H, W)`` images, e.g. reconstructions.
        num_bands (int): Number of rings. Defaults to 16.
        max_radius (float, optional): Outer radius of the last ring. Defaults to
            ``min(H, W) / 2``.
        peak (float): Peak signal value (255 for 8-bit pixels, 1 for [0, 1] images).

    Returns:
        tuple[Tensor, Tensor]: ``psnr`` ``(B, K)`` in dB (``inf`` where a band is equal) and the
        ring ``edges`` ``(K + 1,)``.
    """
    _check_pair(reference, estimate)
    h, w = reference.shape[-2:]
    masks, edges = band_masks(h, w, num_bands, max_radius, device=reference.device)
    return mse_to_psnr(band_mse(reference, estimate, masks), peak), edges
