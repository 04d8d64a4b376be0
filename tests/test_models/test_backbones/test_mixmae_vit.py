import pytest
import torch
from _mixing_checks import assert_images_stay_apart, build_encoder
from mmpretrain.models.backbones import VisionTransformer

from mixmim_mm.models.backbones import MixMAEViT

TINY = dict(
    arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
    img_size=64,
    patch_size=16)


def build(**kwargs):
    return build_encoder(MixMAEViT, **{**TINY, **kwargs})


def test_tokens_only_see_their_own_image():
    model = build()

    def stages(x, plan, ids):
        return [model(x, plan, ids).view(len(plan), 2, 2, -1)]

    assert_images_stay_apart(stages, torch.randn(4, 3, 64, 64), (2, 2))


def test_mixed_output_is_one_normed_token_per_mask_cell():
    model = build()
    from mixmim_mm.models.utils import mixing_plan, sample_group_ids
    out = model(
        torch.randn(4, 3, 64, 64), mixing_plan(4, 2, 'group'), sample_group_ids(2, (2, 2), 2))
    assert out.shape == (2, 4, 32) and model.mixed_channels == 32


def test_weights_load_into_mmpretrain_vit_with_equal_features():
    ours = build()
    ref = VisionTransformer(**TINY, with_cls_token=False, out_type='featmap')
    ref.eval()
    ref.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(ours(x)[0], ref(x)[0])


def test_position_embedding_is_fixed_sincos():
    model = build()
    assert not model.pos_embed.requires_grad
    from mixmim_mm.models.utils import sincos_pos_embed_2d
    torch.testing.assert_close(model.pos_embed[0], sincos_pos_embed_2d((4, 4), 32))


@pytest.mark.parametrize('kwargs, match', [
    (dict(mask_unit=24), 'multiple of the encoder stride 16'),
    (dict(img_size=80), 'not divisible by mask_unit=32'),
    (dict(with_cls_token=True), 'no class token'),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixMAEViT(**{**TINY, **kwargs})


def test_mixed_forward_without_mixing_equals_the_plain_forward():
    model = build()
    x = torch.randn(2, 3, 64, 64)
    mixed = model(x, torch.arange(2)[:, None], torch.zeros(2, 2, 2, dtype=torch.long))
    plain = torch.nn.functional.avg_pool2d(model(x)[0], 2).flatten(2).transpose(1, 2)
    torch.testing.assert_close(mixed, plain)
