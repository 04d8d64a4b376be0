"""Tests of the grouped-mask MAE encoder for long-sequence MAE (``LSMAEViT``)."""
import pytest
import torch

from mixmim_mm.models.backbones.lsmae_vit import LSMAEViT

TINY = dict(embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64)


def test_masks_whole_groups_of_patches():
    model = LSMAEViT(arch=TINY, img_size=128, patch_size=16, mask_unit=32)
    latent, mask, ids_restore = model(torch.randn(3, 3, 128, 128))
    groups = mask.reshape(3, 4, 2, 4, 2)  # 8x8 patches = 4x4 groups of 2x2
    assert torch.all(groups.amin(dim=(2, 4)) == groups.amax(dim=(2, 4)))
    assert mask.sum(dim=1).tolist() == [48.0] * 3  # 75% of 64 patches
    assert latent.shape == (3, 1 + 16, 32)  # class token + visible patches


def test_visible_tokens_follow_ids_restore():
    model = LSMAEViT(arch=TINY, img_size=64, patch_size=16, mask_unit=32)
    tokens = torch.arange(16.).reshape(1, 16, 1).repeat(2, 1, 1)
    kept, mask, ids_restore = model.random_masking(tokens, 0.75)
    for b in range(2):
        visible = torch.nonzero(mask[b] == 0)[:, 0]
        assert sorted(kept[b, :, 0].long().tolist()) == visible.tolist()
        assert torch.equal(ids_restore[b].sort().values, torch.arange(16))


def test_grid_not_divisible_by_mask_unit_is_rejected():
    with pytest.raises(ValueError, match='mask_unit / patch_size = 2'):
        LSMAEViT(arch=TINY, img_size=48, patch_size=16, mask_unit=32)


def test_mask_unit_not_a_multiple_of_the_patch_is_rejected():
    with pytest.raises(ValueError, match='mask_unit=24 px is not a multiple of patch_size=16'):
        LSMAEViT(arch=TINY, img_size=64, patch_size=16, mask_unit=24)


def test_a_patch_count_of_earlier_releases_is_read_as_patches_with_a_warning():
    with pytest.warns(FutureWarning, match='give it in pixels, mask_unit=32'):
        model = LSMAEViT(arch=TINY, img_size=64, patch_size=16, mask_unit=2)
    assert model.mask_unit == 32 and model.patches_per_unit == 2
