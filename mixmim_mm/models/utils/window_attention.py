"""Window self-attention with a relative position bias and an optional same-source mask.

Attention runs through ``torch.nn.functional.scaled_dot_product_attention``: the relative
position bias and the "only attend to tokens of the same image" rule are passed as one
additive mask (``-inf`` where not allowed), so fused kernels can be used and no ``-1e30``
arithmetic is needed. Where SDPA has no fused kernel (CPU training, whose mask needs a
gradient) the same arithmetic runs by default as plain tensor operations, which is faster
there; ``attn_impl='sdpa'`` keeps SDPA everywhere.
"""
from functools import lru_cache
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_

from .group_layout import GroupLayout
from .pos_embed import resize_rel_pos_bias_table


@lru_cache(maxsize=64)
def _relative_position_index(window: Tuple[int, int], table_window: int) -> torch.Tensor:
    """Index into a ``(2T-1)^2`` bias table for every query/key pair of a window.

    A window smaller than the table's (a stage narrower than its window) reuses the
    central part of the table, so one learned table serves every smaller window.
    """
    wh, ww = window
    coords = torch.stack(torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing='ij'))
    coords = coords.flatten(1)
    rel = coords[:, :, None] - coords[:, None, :] + (table_window - 1)
    return rel[0] * (2 * table_window - 1) + rel[1]


ATTN_IMPLS = ('auto', 'sdpa')


def _attention_reference(q, k, v, biases, dropout: float) -> torch.Tensor:
    """``softmax(q k^T / sqrt(d) + sum(biases)) v`` as plain tensor operations.

    On CPU, ``scaled_dot_product_attention`` has no fused kernel for a mask that needs a
    gradient (the learned relative position bias), and its generic fallback adds checks
    for fully masked rows that cost about 10% of a train step here. Every row keeps at
    least its own token, so those checks are not needed and this is the same arithmetic.
    The biases are added in place to the scores, so no full-size sum of the (broadcast)
    position bias and group mask is ever materialised.
    """
    attn = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
    for bias in biases:
        attn.add_(bias)
    attn = attn.softmax(dim=-1)
    if dropout:
        attn = F.dropout(attn, p=dropout)
    return attn @ v


def window_partition(x: torch.Tensor, window: Tuple[int, int]) -> torch.Tensor:
    """``(B, H, W, *C)`` -> ``(B * nW, wh * ww, *C)``; H and W must be multiples of the window."""
    b, h, w = x.shape[:3]
    wh, ww = window
    rest = x.shape[3:]
    x = x.view(b, h // wh, wh, w // ww, ww, *rest)
    x = x.transpose(2, 3)
    return x.reshape(b * (h // wh) * (w // ww), wh * ww, *rest)


def window_reverse(windows: torch.Tensor, window: Tuple[int, int], size: Tuple[int, int]):
    """Inverse of :func:`window_partition` for ``(B * nW, wh * ww, C)`` windows."""
    wh, ww = window
    h, w = size
    c = windows.shape[-1]
    x = windows.view(-1, h // wh, w // ww, wh, ww, c).transpose(2, 3)
    return x.reshape(-1, h, w, c)


def same_group_mask(group_windows: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """``(B*nW, n)`` group ids -> ``(B*nW, 1, n, n)`` additive mask: 0 where query and key
    share a group, ``-inf`` elsewhere (built once per stage, added to the position bias)."""
    same = (group_windows[:, :, None] == group_windows[:, None, :])[:, None]
    return torch.zeros(
        same.shape, dtype=dtype, device=same.device).masked_fill_(~same, float('-inf'))


class WindowAttention(nn.Module):
    """Multi-head self-attention inside non-overlapping windows.

    Args:
        embed_dims (int): Channels of the tokens.
        num_heads (int): Attention heads.
        window_size (int): Side of the (square) window the relative position
            bias table is built for; smaller windows use its central part.
        qkv_bias (bool): Add a bias to the qkv projection. Defaults to True.
        attn_drop (float): Dropout on attention weights. Defaults to 0.
        proj_drop (float): Dropout after the output projection. Defaults to 0.
        attn_impl (str): ``'auto'``: ``scaled_dot_product_attention``, except for CPU
            training, where SDPA has no fused kernel for a mask with a gradient and the
            same arithmetic as plain tensor operations is faster. ``'sdpa'``: always SDPA.
            Defaults to ``'auto'``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 window_size: int,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 attn_impl: str = 'auto'):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by num_heads={num_heads}')
        if attn_impl not in ATTN_IMPLS:
            raise ValueError(f'attn_impl must be one of {ATTN_IMPLS}, got {attn_impl!r}')
        self.attn_impl = attn_impl
        self.num_heads = num_heads
        self.window_size = window_size
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window_size - 1)**2, num_heads))
        trunc_normal_(self.relative_position_bias_table, std=.02)

    def relative_position_bias(self, window: Tuple[int, int]) -> torch.Tensor:
        """``(heads, n, n)`` bias for a ``window`` no larger than ``window_size``."""
        index = _relative_position_index(tuple(window), self.window_size)
        index = index.to(self.relative_position_bias_table.device)
        n = window[0] * window[1]
        bias = self.relative_position_bias_table[index.view(-1)].view(n, n, -1)
        return bias.permute(2, 0, 1)

    def forward(self,
                x: torch.Tensor,
                window: Tuple[int, int],
                group_mask: Optional[torch.Tensor] = None,
                layout: Optional[GroupLayout] = None) -> torch.Tensor:
        """Attend within windows.

        Args:
            x (torch.Tensor): ``(B*nW, n, C)`` window tokens.
            window (tuple[int, int]): The window shape, ``wh * ww == n``.
            group_mask (torch.Tensor, optional): ``(B*nW, 1, n, n)`` additive mask from
                :func:`same_group_mask`; every query must be allowed at least itself.
            layout (GroupLayout, optional): Attend within groups by regrouping the
                tokens (single-window maps only); replaces ``group_mask``.
        """
        if layout is not None:
            return self.forward_grouped(x, window, layout)
        b, n, c = x.shape
        qkv = self.qkv(x).view(b, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        biases = [self.relative_position_bias(window).unsqueeze(0).to(q.dtype)]
        if group_mask is not None:
            biases.append(group_mask.to(q.dtype))
        dropout = self.attn_drop if self.training else 0.
        x = self._attend(q, k, v, biases, dropout)
        x = x.transpose(1, 2).reshape(b, n, c)
        return self.proj_drop(self.proj(x))

    def forward_grouped(self, x: torch.Tensor, window: Tuple[int, int],
                        layout: GroupLayout) -> torch.Tensor:
        """Same-group attention of a single window computed per group (see GroupLayout)."""
        b, n, c = x.shape
        heads, size = self.num_heads, layout.size
        qkv = self.qkv(x).reshape(b * n, 3 * c).index_select(0, layout.flat_index)
        qkv = qkv.view(layout.num_sequences, size, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        index = layout.relative_position_index(window, self.window_size)
        # index_select differentiates through index_add_, far cheaper on CPU than the
        # accumulating scatter behind advanced indexing.
        bias = self.relative_position_bias_table.index_select(0, index.flatten())
        bias = bias.view(*index.shape, -1).permute(0, 3, 1, 2)
        biases = [bias.to(q.dtype), layout.key_mask.to(q.dtype)]
        dropout = self.attn_drop if self.training else 0.
        out = self._attend(q, k, v, biases, dropout)
        out = out.transpose(1, 2).reshape(-1, c)[layout.valid]
        x = out.new_zeros(b * n, c).index_copy(0, layout.flat_index[layout.valid], out)
        return self.proj_drop(self.proj(x.view(b, n, c)))

    def _attend(self, q, k, v, biases, dropout: float) -> torch.Tensor:
        """Attention with the sum of the additive ``biases`` as mask."""
        plain = (
            self.attn_impl == 'auto' and not q.is_cuda and torch.is_grad_enabled()
            and any(b.requires_grad for b in biases))
        if plain:
            return _attention_reference(q, k, v, biases, dropout)
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=sum(biases[1:], biases[0]), dropout_p=dropout)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Checkpoints trained with another window (e.g. 14 in pretraining, 16 or 32
        # for detection) carry a differently sized table: resize it bicubically.
        key = prefix + 'relative_position_bias_table'
        if key in state_dict:
            table = state_dict[key]
            if table.shape != self.relative_position_bias_table.shape and \
                    table.shape[1] == self.num_heads:
                state_dict[key] = resize_rel_pos_bias_table(table,
                                                            (self.window_size, self.window_size))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
