import pytest
import torch

from mixmim_mm.models.utils import hidden_mask, mix_tokens, mixing_plan, unmix_tokens


def test_flip_plan_pairs_sample_i_with_b_minus_1_minus_i():
    plan = mixing_plan(6, 2, 'flip')
    assert plan.tolist() == [[0, 5], [1, 4], [2, 3], [3, 2], [4, 1], [5, 0]]


def test_group_plan_uses_each_image_once():
    plan = mixing_plan(8, 4, 'group')
    assert plan.shape == (2, 4)
    assert sorted(plan.flatten().tolist()) == list(range(8))


def test_batch_not_divisible_names_the_setting():
    with pytest.raises(ValueError, match='num_images=4'):
        mixing_plan(10, 4, 'group')
    with pytest.raises(ValueError, match='even batch size'):
        mixing_plan(5, 2, 'flip')
    with pytest.raises(ValueError, match='mix_mode'):
        mixing_plan(4, 2, 'shuffle')


def test_mix_tokens_takes_each_position_from_its_group_image():
    tokens = torch.arange(4).view(4, 1, 1, 1).expand(4, 2, 3, 5).float()  # value = image index
    plan = torch.tensor([[0, 2], [3, 1]])
    ids = torch.randint(0, 2, (2, 2, 3))
    mixed = mix_tokens(tokens, plan, ids)
    expected = plan.gather(1, ids.flatten(1)).view(2, 2, 3).float()
    assert torch.equal(mixed[..., 0], expected)


def test_unmix_fills_hidden_positions_with_the_mask_token():
    tokens = torch.randn(2, 6, 4)
    ids = torch.tensor([[0, 1, 2, 0, 1, 2], [2, 2, 1, 1, 0, 0]])
    token = torch.full((4, ), 7.)
    out = unmix_tokens(tokens, ids, token, torch.arange(3))
    for g in range(3):
        visible = ids == g
        assert torch.equal(out[:, g][visible], tokens[visible])
        assert (out[:, g][~visible] == 7.).all()
    assert torch.equal(
        hidden_mask(ids, torch.arange(3)), (ids[:, None] != torch.arange(3)[None, :, None]).float())
