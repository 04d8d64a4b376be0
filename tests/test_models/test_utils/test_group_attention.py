import torch
import torch.nn.functional as F

from mixmim_mm.models.utils import attend_within_groups, upsample_group_ids
from mixmim_mm.models.utils.group_layout import GroupLayout


def test_regrouped_attention_equals_masked_dense_attention_on_another_key_grid():
    torch.manual_seed(0)
    cells = torch.tensor([[[0, 1, 2], [2, 1, 0], [1, 2, 0]]])
    q_ids = upsample_group_ids(cells, (6, 6)).flatten(1)  # queries at 2x the key grid
    k_ids = cells.flatten(1)
    q = torch.randn(1, 2, 36, 8)
    k, v = torch.randn(2, 1, 2, 9, 8).unbind(0)
    out = attend_within_groups(q, k, v, GroupLayout(q_ids), GroupLayout(k_ids))
    mask = torch.zeros(1, 1, 36, 9).masked_fill_((q_ids[:, :, None] != k_ids[:, None, :])[:, None],
                                                 float('-inf'))
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, ref.transpose(1, 2).reshape(1, 36, 16))
