import pytest
import torch

from mixmim_mm.models.utils import (random_token_masking, sample_block_mask, sample_group_ids,
                                    upsample_cells, upsample_group_ids)


@pytest.mark.parametrize('num_groups', [2, 3, 4, 5])
def test_groups_differ_in_size_by_at_most_one(num_groups):
    ids = sample_group_ids(16, (7, 7), num_groups)
    assert ids.shape == (16, 7, 7)
    for sample in ids:
        counts = torch.bincount(sample.flatten(), minlength=num_groups)
        assert counts.sum() == 49
        assert counts.max() - counts.min() <= 1
        assert counts.min() == 49 // num_groups


def test_which_group_gets_the_extra_cell_is_random():
    ids = sample_group_ids(200, (7, 7), 2)
    larger = (ids == 1).flatten(1).sum(1) > (ids == 0).flatten(1).sum(1)
    assert 0 < larger.sum() < 200


def test_per_sample_masks_differ_and_shared_mask_is_shared():
    per_sample = sample_group_ids(8, (7, 7), 2)
    assert any(not torch.equal(per_sample[0], per_sample[i]) for i in range(1, 8))
    shared = sample_group_ids(8, (7, 7), 2, shared=True)
    assert all(torch.equal(shared[0], shared[i]) for i in range(8))


def test_seeded_sampling_is_reproducible():
    a = sample_group_ids(4, (7, 7), 3, generator=torch.Generator().manual_seed(3))
    b = sample_group_ids(4, (7, 7), 3, generator=torch.Generator().manual_seed(3))
    c = sample_group_ids(4, (7, 7), 3, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    torch.manual_seed(0)
    d = sample_group_ids(4, (7, 7), 3)
    torch.manual_seed(0)
    assert torch.equal(d, sample_group_ids(4, (7, 7), 3))


def test_too_many_groups_is_an_error():
    with pytest.raises(ValueError, match='2x2 mask grid into 5 groups'):
        sample_group_ids(1, (2, 2), 5)


def test_nearest_upsampling_repeats_each_cell():
    ids = torch.tensor([[[0, 1], [2, 3]]])
    up = upsample_group_ids(ids, (8, 8))
    assert torch.equal(up[0, :4, :4], torch.zeros(4, 4, dtype=torch.long))
    assert torch.equal(up[0, 4:, 4:], torch.full((4, 4), 3))


@pytest.mark.parametrize('grid,ratio,masked', [((8, 8), 0.75, 48), ((4, 4), 0.75, 12),
                                               ((8, 8), 0.5, 32), ((8, 8), 0.85, 55),
                                               ((6, 10), 0.6, 36)])
def test_block_mask_has_exact_count_per_sample(grid, ratio, masked):
    mask = sample_block_mask(16, grid, ratio)
    assert mask.shape == (16, *grid) and mask.dtype == torch.bool
    assert (mask.flatten(1).sum(1) == masked).all()


def test_block_mask_is_per_sample_and_seeded():
    masks = sample_block_mask(8, (8, 8), 0.75, generator=torch.Generator().manual_seed(3))
    assert len({tuple(m.flatten().tolist()) for m in masks}) == 8
    again = sample_block_mask(8, (8, 8), 0.75, generator=torch.Generator().manual_seed(3))
    assert torch.equal(masks, again)
    torch.manual_seed(5)
    first = sample_block_mask(2, (4, 4), 0.75)
    torch.manual_seed(5)
    assert torch.equal(first, sample_block_mask(2, (4, 4), 0.75))


def test_block_mask_covers_every_cell_uniformly():
    counts = sample_block_mask(
        4000, (4, 4), 0.75, generator=torch.Generator().manual_seed(0)).float().mean(0)
    assert torch.allclose(counts, torch.full_like(counts, 0.75), atol=0.03)


def test_block_mask_rejects_bad_ratio():
    with pytest.raises(ValueError, match='mask_ratio'):
        sample_block_mask(1, (4, 4), 1.0)


def test_upsample_cells_repeats_each_cell_as_a_block():
    cells = torch.arange(6).view(1, 2, 3)
    up = upsample_cells(cells, 2)
    assert up.shape == (1, 4, 6)
    assert torch.equal(up[0, :2, :2], torch.zeros(2, 2, dtype=torch.long))
    assert torch.equal(up[0, 2:, 4:], torch.full((2, 2), 5))
    assert upsample_cells(cells, 1) is cells


def test_upsample_group_ids_is_exact_for_integer_factors_and_interpolates_otherwise():
    ids = torch.randint(0, 4, (2, 4, 4))
    assert torch.equal(upsample_group_ids(ids, (8, 8)), upsample_cells(ids, 2))
    assert upsample_group_ids(ids, (6, 6)).shape == (2, 6, 6)


def test_random_token_masking_keeps_the_mae_count_and_restores_raster_order():
    ids_keep, mask, ids_restore = random_token_masking(3, 16, 0.75)
    assert ids_keep.shape == (3, 4) and mask.sum(1).tolist() == [12.0] * 3
    kept = torch.zeros(3, 16).scatter_(1, ids_keep, 1.0)
    assert torch.equal(kept, 1 - mask)
    assert torch.equal(torch.sort(ids_restore, 1).values, torch.arange(16).expand(3, -1))


def test_shared_noise_keeps_or_masks_a_group_as_a_whole():
    noise = upsample_cells(torch.rand(5, 2, 2), 2).reshape(5, 16)  # 2x2 groups of tokens
    _, mask, _ = random_token_masking(5, 16, 0.75, noise=noise)
    groups = mask.view(5, 2, 2, 2, 2).permute(0, 1, 3, 2, 4).reshape(5, 4, 4)
    assert ((groups == 0) | (groups == 1)).all()
    assert (groups.sum(-1) % 4 == 0).all() and mask.sum(1).tolist() == [12.0] * 5


@pytest.mark.parametrize('ratio', [1.0, 0.99])
def test_random_token_masking_refuses_to_mask_everything(ratio):
    with pytest.raises(ValueError, match='leaves no visible token'):
        random_token_masking(1, 16, ratio)
