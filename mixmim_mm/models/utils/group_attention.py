"""Attention restricted to tokens of the same group, computed one group at a time."""
from typing import Optional

import torch
import torch.nn.functional as F

from .group_layout import GroupLayout
from .mask_sampling import upsample_group_ids


def attend_within_groups(q: torch.Tensor,
                         k: torch.Tensor,
                         v: torch.Tensor,
                         q_layout: GroupLayout,
                         k_layout: Optional[GroupLayout] = None,
                         dropout: float = 0.) -> torch.Tensor:
    """Multi-head attention in which a query sees only the keys of its own group.

    Queries and keys may live on different grids (e.g. the spatially reduced keys of
    PVT); each has its own :class:`GroupLayout` built from the group ids at its
    resolution. Regrouping skips the masked ``(N-1)/N`` of the work of a masked global
    attention and gives the same result.

    Args:
        q (torch.Tensor): ``(B, heads, n, d)`` queries.
        k (torch.Tensor): ``(B, heads, m, d)`` keys.
        v (torch.Tensor): ``(B, heads, m, d)`` values.
        q_layout (GroupLayout): Groups of the ``n`` queries.
        k_layout (GroupLayout, optional): Groups of the ``m`` keys; ``q_layout`` when
            queries and keys are the same tokens.
        dropout (float): Dropout on the attention weights.

    Returns:
        torch.Tensor: ``(B, n, heads * d)`` outputs in the original token order.
    """
    k_layout = q_layout if k_layout is None else k_layout
    if q_layout.num_sequences != k_layout.num_sequences:
        raise ValueError('queries and keys must cover the same groups of the same inputs')
    b, heads, n, d = q.shape

    def regroup(t: torch.Tensor, layout: GroupLayout) -> torch.Tensor:
        t = t.transpose(1, 2).reshape(-1, heads * d).index_select(0, layout.flat_index)
        return t.view(layout.num_sequences, layout.size, heads, d).transpose(1, 2)

    out = F.scaled_dot_product_attention(
        regroup(q, q_layout),
        regroup(k, k_layout),
        regroup(v, k_layout),
        attn_mask=k_layout.key_mask.to(q.dtype),
        dropout_p=dropout)
    out = out.transpose(1, 2).reshape(-1, heads * d).index_select(0, q_layout.restore_index)
    return out.view(b, n, heads * d)


def spatial_reduction_layouts(group_ids: torch.Tensor, size, sr_ratio: int):
    """Query and key :class:`GroupLayout` of a spatial-reduction attention (PVT, Twins).

    Args:
        group_ids (torch.Tensor): ``(M, gh, gw)`` group ids on the mask grid.
        size (tuple[int, int]): The stage's token grid (the queries).
        sr_ratio (int): Key pooling factor; keys lie on ``size / sr_ratio``.

    Returns:
        tuple[GroupLayout, GroupLayout]: The query and the key layouts.
    """
    q_layout = GroupLayout(upsample_group_ids(group_ids, size).flatten(1))
    if sr_ratio == 1:
        return q_layout, q_layout
    keys = (size[0] // sr_ratio, size[1] // sr_ratio)
    return q_layout, GroupLayout(upsample_group_ids(group_ids, keys).flatten(1))


def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """``(B, n, C)`` -> ``(B, heads, n, C/heads)``."""
    b, n, c = x.shape
    return x.view(b, n, num_heads, c // num_heads).transpose(1, 2)
