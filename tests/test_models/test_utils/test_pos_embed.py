"""Resizing absolute position tables."""
import pytest
import torch
import torch.nn.functional as F

from mixmim_mm.models.utils import resize_pos_embed


def test_resize_is_bicubic_on_the_grid():
    table = torch.randn(1, 8 * 8, 6)
    out = resize_pos_embed(table, (14, 14))
    image = table.view(1, 8, 8, 6).permute(0, 3, 1, 2)
    expected = F.interpolate(image, size=(14, 14), mode='bicubic', align_corners=False)
    assert torch.allclose(out.view(1, 14, 14, 6).permute(0, 3, 1, 2), expected)


def test_non_square_source_needs_its_grid():
    table = torch.randn(1, 4 * 6, 2)
    with pytest.raises(ValueError, match='ckpt: a table of 24 positions is not a square'):
        resize_pos_embed(table, (8, 8), source='ckpt')
    assert resize_pos_embed(table, (8, 12), src_grid=(4, 6)).shape == (1, 96, 2)


def test_same_grid_is_returned_unchanged():
    table = torch.randn(1, 16, 4)
    assert resize_pos_embed(table, (4, 4)) is table


@pytest.mark.parametrize('extra', [0, 1])
def test_same_numbers_as_mmpretrain_with_extra_tokens_kept(extra):
    # MixedAEViT and MixMAEViT resize through this function inside forwards they otherwise
    # inherit from MMPretrain, so the two must agree.
    from mmpretrain.models.utils import resize_pos_embed as mmpretrain_resize
    table = torch.randn(1, extra + 4 * 6, 8)
    ours = resize_pos_embed(table, (6, 3), src_grid=(4, 6), num_extra_tokens=extra)
    theirs = mmpretrain_resize(table, (4, 6), (6, 3), 'bicubic', extra)
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-6)
    assert torch.equal(ours[:, :extra], table[:, :extra])
