import mmdet.models.backbones.pvt as pvt
import pytest
import torch
from _mixing_checks import (assert_images_stay_apart, assert_pooled_key_is_its_image_alone,
                            build_encoder)

from mixmim_mm.models.backbones import MixMAEPVT

TINY = dict(
    arch=dict(
        embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4], mlp_ratios=[2, 2, 2, 2]),
    img_size=64)


def build(**kwargs):
    return build_encoder(MixMAEPVT, **{**TINY, **kwargs})


def test_tokens_only_see_their_own_image_in_every_stage():
    model = build()
    assert_images_stay_apart(model.mixed_stages, torch.randn(4, 3, 64, 64), (2, 2))


def test_pooled_key_of_a_cell_equals_the_key_of_its_image_alone():
    """The claim behind exact masking: each spatially reduced key covers one 32-px cell."""
    model = build()
    # First block of each stage with sr > 1 (index 0 is the position embedding).
    assert_pooled_key_is_its_image_alone(model,
                                         [layer[1][1].attn.norm for layer in model.layers[:3]])


def test_features_equal_mmdet_pvt_with_the_same_weights():
    ours = build(out_indices=(0, 1, 2, 3))
    ref = pvt.PyramidVisionTransformer(pretrain_img_size=64, drop_path_rate=0., **TINY['arch'])
    state = {k: v for k, v in ours.state_dict().items() if not k.startswith('norm_out.')}
    ref.load_state_dict(state, strict=True)
    ref.eval()
    x = torch.randn(2, 3, 64, 96)
    for a, b in zip(ours(x), ref(x)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('kwargs, match', [
    (dict(mask_unit=16), 'pooled key of stage 0 covers 32 px'),
    (dict(img_size=80), 'not divisible by mask_unit=32'),
    (dict(use_conv_ffn=True), 'use_conv_ffn'),
    (dict(patch_sizes=[7, 3, 3, 3], paddings=[3, 1, 1, 1]), 'overlapping patch embedding'),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixMAEPVT(**{**TINY, **kwargs})


def test_mixed_forward_without_mixing_equals_the_plain_forward():
    """One image per input (N=1): the regrouped attention is mmdet's arithmetic."""
    model = build()
    x = torch.randn(2, 3, 64, 64)
    ids = torch.zeros(2, 2, 2, dtype=torch.long)
    stages = model.mixed_stages(x, torch.arange(2)[:, None], ids)
    for a, b in zip(stages, model(x)):
        torch.testing.assert_close(a.permute(0, 3, 1, 2), b)


def test_layer_depth_follows_the_blocks():
    model = build()  # depths 1/1/1/1: 6 layer ids
    depth = model.get_layer_depth
    assert depth('backbone.layers.0.0.projection.weight', 'backbone.') == (0, 6)
    assert depth('backbone.layers.0.1.0.pos_embed', 'backbone.') == (0, 6)
    assert depth('backbone.layers.0.1.1.attn.sr.weight', 'backbone.') == (1, 6)
    assert depth('backbone.layers.2.0.projection.weight', 'backbone.') == (3, 6)
    assert depth('backbone.layers.3.1.1.ffn.layers.0.weight', 'backbone.') == (4, 6)
    assert depth('backbone.norm_out.weight', 'backbone.') == (5, 6)
    assert depth('head.fc.weight', 'backbone.') == (5, 6)


def test_pretrained_checkpoint_of_another_depth_is_refused_loudly(tmp_path):
    """Unlike mmdet's PVT loader (strict=False), ours raises when a weight would stay random."""
    src = build(arch=dict(TINY['arch'], num_layers=[1, 1, 2, 1]))
    path = str(tmp_path / 'deeper.pth')
    torch.save({'state_dict': {'backbone.' + k: v for k, v in src.state_dict().items()}}, path)
    good = MixMAEPVT(**TINY, init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(ValueError, match='deeper.pth'):
        good.init_weights()
    shallow = build(
        arch=dict(TINY['arch'], num_layers=[1, 1, 2, 1]),
        init_cfg=dict(type='Pretrained', checkpoint=path))
    torch.testing.assert_close(shallow.state_dict(), src.state_dict())
