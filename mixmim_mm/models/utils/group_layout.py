"""The regrouping of a token sequence by mixing group, shared by every MixMAE encoder."""
from typing import Tuple

import torch
import torch.nn.functional as F


class GroupLayout:
    """Tokens of a sequence regrouped into one sequence per mixing group.

    When tokens may only attend within their group (the images mixed into one input),
    attending over each group's tokens alone gives exactly the masked result while skipping
    the masked (N-1)/N of the attention work. Used by every MixMAE encoder: Swin stages
    whose window is the whole map (3-4 at 224 px, :class:`WindowAttention`), and the global
    or spatial-reduction attention of ViT, PVT and Twins (:func:`attend_within_groups`).
    Groups are padded to the largest one; padded keys are masked and padded queries dropped.

    Args:
        group_ids (torch.Tensor): ``(B, n)`` group ids of the tokens of each input.
    """

    def __init__(self, group_ids: torch.Tensor):
        b, n = group_ids.shape
        order = group_ids.argsort(dim=1, stable=True)
        num_groups = int(group_ids.max()) + 1
        counts = F.one_hot(group_ids, num_groups).sum(1)  # (B, G)
        size = int(counts.max())
        starts = counts.cumsum(1) - counts
        slot = torch.arange(size, device=group_ids.device)
        valid = slot[None, None] < counts[..., None]  # (B, G, K)
        within = (starts[..., None] + slot).clamp(max=n - 1)
        positions = order.gather(1, within.flatten(1)).view(b, num_groups, size)
        offsets = (torch.arange(b, device=group_ids.device) * n).view(b, 1, 1)
        self.flat_index = (positions + offsets).flatten()  # into (B*n) tokens
        self.valid = valid.flatten()
        self.positions = positions.flatten(0, 1)  # (B*G, K) position inside the window
        key_mask = torch.zeros(valid.shape, device=group_ids.device)
        key_mask.masked_fill_(~valid, float('-inf'))
        self.key_mask = key_mask.flatten(0, 1)[:, None, None, :]
        self.num_sequences, self.size = b * num_groups, size
        # Where each of the B*n tokens sits among the regrouped rows: going back is a
        # gather, whose gradient is cheaper on CPU than that of a boolean selection
        # followed by a scatter.
        slots = torch.arange(self.valid.numel(), device=group_ids.device)
        self.restore_index = torch.empty(b * n, dtype=torch.long, device=group_ids.device)
        self.restore_index[self.flat_index[self.valid]] = slots[self.valid]
        self._rel_index = {}

    def relative_position_index(self, window: Tuple[int, int], table_window: int):
        """``(B*G, K, K)`` bias-table index of every query/key pair of every group."""
        key = (tuple(window), table_window)
        if key not in self._rel_index:
            rows, cols = self.positions // window[1], self.positions % window[1]
            dr = rows[:, :, None] - rows[:, None, :] + table_window - 1
            dc = cols[:, :, None] - cols[:, None, :] + table_window - 1
            self._rel_index[key] = dr * (2 * table_window - 1) + dc
        return self._rel_index[key]
