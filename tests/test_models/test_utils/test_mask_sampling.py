import pytest
import torch

from mixmim_mm.models.utils import sample_group_ids, upsample_group_ids


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
