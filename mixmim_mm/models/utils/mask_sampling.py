"""Random mask sampling shared by the mixing-based and masking-based methods."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def sample_group_ids(num_inputs: int,
                     grid_size: Tuple[int, int],
                     num_groups: int,
                     shared: bool = False,
                     generator: Optional[torch.Generator] = None,
                     device=None) -> torch.Tensor:
    """Partition a mask grid at random into ``num_groups`` near-equal groups.

    Every cell gets a group id in ``[0, num_groups)``. Group sizes differ by at most
    one cell (``L // N`` or ``L // N + 1`` for ``L`` cells), which groups receive the
    extra cell is random, and the cells of each group are a uniformly random subset.
    With ``N`` images mixed, group ``g`` is where image ``g`` is visible, so each image
    is masked on ``1 - 1/N`` of the grid up to that rounding.

    Args:
        num_inputs (int): Number of independent partitions (mixed inputs).
        grid_size (tuple[int, int]): Mask grid ``(gh, gw)``.
        num_groups (int): Number of groups ``N``.
        shared (bool): Draw one partition and repeat it for every input.
        generator (torch.Generator, optional): Source of randomness; the global
            RNG (seeded by mmengine's ``randomness`` setting) when None.
        device: Device of the result.

    Returns:
        torch.LongTensor: Group ids of shape ``(num_inputs, gh, gw)``.
    """
    gh, gw = grid_size
    num_cells = gh * gw
    if num_groups < 1 or num_groups > num_cells:
        raise ValueError(f'cannot split a {gh}x{gw} mask grid into {num_groups} groups')
    draws = 1 if shared else num_inputs
    # arange % N gives the balanced multiset of labels; a random relabelling decides
    # which groups get the extra cell and a random permutation places the cells.
    balanced = torch.arange(num_cells, device=device) % num_groups
    relabel = torch.rand(draws, num_groups, generator=generator, device=device).argsort(dim=1)
    labels = relabel.gather(1, balanced.expand(draws, -1))
    order = torch.rand(draws, num_cells, generator=generator, device=device).argsort(dim=1)
    ids = labels.gather(1, order).view(draws, gh, gw)
    return ids.expand(num_inputs, -1, -1) if shared else ids


def upsample_cells(cells: torch.Tensor, factor: int) -> torch.Tensor:
    """Each cell of the last two dimensions becomes a ``factor x factor`` block.

    The exact (any dtype) nearest-neighbour upsampling of a mask, a group-id map or per-cell
    noise from a coarse grid to a finer one: ``(..., h, w) -> (..., h * factor, w * factor)``.
    """
    if factor == 1:
        return cells
    return cells.repeat_interleave(factor, -2).repeat_interleave(factor, -1)


def upsample_group_ids(group_ids: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """Nearest-neighbour upsampling of ``(M, gh, gw)`` group ids to ``size``."""
    gh, gw = group_ids.shape[-2:]
    h, w = size
    if h % gh == 0 and w % gw == 0 and h // gh == w // gw:
        return upsample_cells(group_ids, h // gh)
    up = F.interpolate(group_ids[:, None].float(), size=size, mode='nearest')
    return up[:, 0].long()


def random_token_masking(
        batch: int,
        num_tokens: int,
        mask_ratio: float,
        device=None,
        generator: Optional[torch.Generator] = None,
        noise: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """MAE-style per-sample random masking of ``num_tokens`` tokens.

    Args:
        batch (int): Number of samples.
        num_tokens (int): Tokens per sample.
        mask_ratio (float): Fraction of tokens to mask; ``int(L * (1 - ratio))`` are kept.
        device: Device of the results.
        generator (torch.Generator, optional): Source of randomness (global RNG if None).
        noise (torch.Tensor, optional): ``(B, L)`` sort keys to use instead of uniform noise;
            tokens with equal keys stay together in raster order (the sort is stable), so
            noise shared by a group of tokens keeps or masks the group as a whole.

    Returns:
        tuple: ``ids_keep`` (B, L_keep), ``mask`` (B, L) float with 1 = masked, and
        ``ids_restore`` (B, L) that puts ``[kept, masked]`` back into raster order.
    """
    len_keep = int(num_tokens * (1 - mask_ratio))
    if len_keep < 1:
        raise ValueError(f'mask_ratio={mask_ratio} leaves no visible token out of {num_tokens}')
    if noise is None:
        noise = torch.rand(batch, num_tokens, device=device, generator=generator)
    ids_shuffle = torch.argsort(noise, dim=1, stable=True)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :len_keep]
    mask = torch.ones(batch, num_tokens, device=noise.device)
    mask[:, :len_keep] = 0
    mask = mask.gather(1, ids_restore)
    return ids_keep, mask, ids_restore


def num_masked_cells(num_cells: int, mask_ratio: float) -> int:
    """Cells masked out of ``num_cells`` at ``mask_ratio``: all but ``floor(L * (1 - r))``.

    The visible count is rounded down as in MAE/FastMIM; the small slack keeps
    ``64 * (1 - 0.75)`` from rounding to 15 through float error.
    """
    return num_cells - int(num_cells * (1. - mask_ratio) + 1e-6)


def sample_block_mask(num_inputs: int,
                      grid_size: Tuple[int, int],
                      mask_ratio: float,
                      generator: Optional[torch.Generator] = None,
                      device=None) -> torch.Tensor:
    """Per-sample random block mask with an exact number of masked cells.

    Every sample gets its own uniformly random subset of ``num_masked_cells(gh * gw, ratio)``
    masked cells of a ``gh x gw`` grid. FastMIM masks the image itself: one cell is a
    ``block x block`` pixel square (see :func:`upsample_group_ids` to go to pixels).

    Args:
        num_inputs (int): Number of samples.
        grid_size (tuple[int, int]): Mask grid ``(gh, gw)``.
        mask_ratio (float): Fraction of masked cells, in ``[0, 1)``.
        generator (torch.Generator, optional): Source of randomness; the global RNG when None.
        device: Device of the result.

    Returns:
        torch.BoolTensor: ``(num_inputs, gh, gw)``, True where masked.
    """
    if not 0. <= mask_ratio < 1.:
        raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
    gh, gw = grid_size
    num_cells = gh * gw
    num_masked = num_masked_cells(num_cells, mask_ratio)
    # The cells ranked first by random noise are masked: a uniform random subset per sample.
    rank = torch.rand(num_inputs, num_cells, generator=generator, device=device).argsort(dim=1)
    rank = rank.argsort(dim=1)
    return (rank < num_masked).view(num_inputs, gh, gw)
