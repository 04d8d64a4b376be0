"""Position-embedding helpers: fixed 2-D sin-cos tables and resizing of learned tables."""
from typing import Tuple

import torch
import torch.nn.functional as F


def sincos_pos_embed_2d(grid_size: Tuple[int, int],
                        embed_dims: int,
                        temperature: float = 10000.) -> torch.Tensor:
    """Fixed 2-D sin-cos position embedding of shape ``(gh*gw, embed_dims)``.

    Half of the channels encode the row and half the column, each as
    ``[sin(pos * w_k), cos(pos * w_k)]`` with geometric frequencies ``w_k``; this is
    the table MAE, MMPretrain and the MixMIM authors use (row-major token order).
    """
    if embed_dims % 4:
        raise ValueError(f'embed_dims={embed_dims} must be divisible by 4 for 2-D sin-cos')
    gh, gw = grid_size
    quarter = embed_dims // 4
    omega = 1. / temperature**(torch.arange(quarter, dtype=torch.float64) / quarter)
    rows, cols = torch.meshgrid(
        torch.arange(gh, dtype=torch.float64), torch.arange(gw, dtype=torch.float64), indexing='ij')
    out_w = cols.reshape(-1, 1) * omega.reshape(1, -1)
    out_h = rows.reshape(-1, 1) * omega.reshape(1, -1)
    table = torch.cat([out_w.sin(), out_w.cos(), out_h.sin(), out_h.cos()], dim=1)
    return table.float()


def resize_rel_pos_bias_table(table: torch.Tensor, new_window: Tuple[int, int]) -> torch.Tensor:
    """Bicubically resize a ``((2Wh-1)*(2Ww-1), heads)`` relative-position bias table."""
    old_len, heads = table.shape
    new_h, new_w = 2 * new_window[0] - 1, 2 * new_window[1] - 1
    if old_len == new_h * new_w:
        return table
    old_side = int(round(old_len**.5))
    if old_side * old_side != old_len:
        raise ValueError(f'cannot resize a non-square relative position table of length {old_len}')
    grid = table.T.reshape(1, heads, old_side, old_side)
    grid = F.interpolate(grid.float(), size=(new_h, new_w), mode='bicubic', align_corners=False)
    return grid.reshape(heads, new_h * new_w).T.to(table.dtype)


def resize_pos_embed(table: torch.Tensor,
                     grid: Tuple[int, int],
                     src_grid: Tuple[int, int] = None,
                     num_extra_tokens: int = 0,
                     mode: str = 'bicubic',
                     source: str = 'pos_embed') -> torch.Tensor:
    """Resize a ``(1, extra + gh*gw, C)`` absolute position table to ``grid``.

    The one resizing of learned position tables in the package (checkpoint loading and the
    forward at another input size alike); the arithmetic is MMPretrain's
    ``resize_pos_embed`` (interpolation in fp32, ``align_corners=False``, the leading extra
    tokens kept as they are), so an encoder that inherits an MMPretrain forward gives the
    same numbers through either.

    Args:
        table (torch.Tensor): ``(1, N, C)`` table: ``num_extra_tokens`` rows (e.g. the class
            token's) then the grid in row-major token order.
        grid (tuple[int, int]): The new grid ``(gh, gw)``.
        src_grid (tuple[int, int], optional): The table's grid; a square one when None.
        num_extra_tokens (int): Leading rows that are not grid positions. Defaults to 0.
        mode (str): ``F.interpolate`` mode. Defaults to ``'bicubic'``.
        source (str): Named in the error when the table's grid cannot be known.

    Returns:
        torch.Tensor: ``(1, extra + gh*gw, C)`` in the table's dtype.
    """
    extra, positions = table[:, :num_extra_tokens], table[:, num_extra_tokens:]
    n, c = positions.shape[1], positions.shape[-1]
    if src_grid is None:
        side = int(round(n**0.5))
        if side * side != n:
            raise ValueError(f'{source}: a table of {n} positions is not a square grid; cannot '
                             f'resize it to {tuple(grid)}')
        src_grid = (side, side)
    if tuple(src_grid) == tuple(grid):
        return table
    image = positions.reshape(1, src_grid[0], src_grid[1], c).permute(0, 3, 1, 2).float()
    image = F.interpolate(image, size=tuple(grid), mode=mode, align_corners=False)
    resized = image.permute(0, 2, 3, 1).reshape(1, grid[0] * grid[1], c).to(table.dtype)
    return torch.cat([extra, resized], dim=1)


def sincos_embed_1d(positions: torch.Tensor,
                    embed_dims: int,
                    temperature: float = 10000.) -> torch.Tensor:
    """Fixed 1-D sin-cos encoding ``[sin(pos * w_k), cos(pos * w_k)]`` of ``positions``.

    Returns a ``(*positions.shape, embed_dims)`` float table with the geometric frequencies
    of :func:`sincos_pos_embed_2d` (Transformer-style encodings of an index, e.g. the
    source image of a token in MixedAE's segment embeddings).
    """
    if embed_dims % 2:
        raise ValueError(f'embed_dims={embed_dims} must be even for 1-D sin-cos')
    half = embed_dims // 2
    omega = 1. / temperature**(torch.arange(half, dtype=torch.float64) / half)
    angles = positions.to(torch.float64)[..., None] * omega.to(positions.device)
    return torch.cat([angles.sin(), angles.cos()], dim=-1).float()
