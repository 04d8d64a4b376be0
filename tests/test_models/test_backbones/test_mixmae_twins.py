import pytest
import torch
from _mixing_checks import (assert_images_stay_apart, assert_pooled_key_is_its_image_alone,
                            build_encoder)
from mmpretrain.models.backbones import SVT

from mixmim_mm.models.backbones import MixMAESVT

ARCH = dict(
    embed_dims=[8, 16, 16, 32],
    depths=[2, 2, 2, 2],
    num_heads=[1, 2, 2, 4],
    patch_sizes=[4, 2, 2, 2],
    strides=[4, 2, 2, 2],
    mlp_ratios=[2, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1],
    window_sizes=[3, 4, 2, 2])  # 3: a padded stage
TINY = dict(arch=ARCH, img_size=64)


def build(**kwargs):
    return build_encoder(MixMAESVT, **{**TINY, **kwargs})


def test_tokens_only_see_their_own_image_in_every_stage():
    model = build()
    assert_images_stay_apart(model.mixed_stages, torch.randn(4, 3, 64, 64), (2, 2))


def test_group_aware_position_encoding_equals_the_image_alone_with_the_others_zeroed():
    model = build()
    cpe = model.position_encodings[0]
    from mixmim_mm.models.backbones.mixmae_twins import cpe_within_groups
    x = torch.randn(1, 8, 8, 8)
    ids = torch.randint(0, 3, (1, 8, 8))
    out = cpe_within_groups(cpe, x, ids)
    for g in range(3):
        alone = x * (ids == g)[..., None]
        ref = cpe(alone.flatten(1, 2), (8, 8)).view(1, 8, 8, 8)
        torch.testing.assert_close(out[ids == g], ref[ids == g])


def test_pooled_key_of_a_cell_equals_the_key_of_its_image_alone():
    model = build()
    # Stop before the first GSA block mixes in anything else: compare its pooled keys.
    block = model.stages[0][0]
    for p in [
            *block.attn.proj.parameters(), *block.ffn.parameters(),
            *model.position_encodings[0].parameters()
    ]:
        p.data.zero_()
    assert_pooled_key_is_its_image_alone(model, [model.stages[i][1].attn.norm for i in range(3)])


def test_features_equal_mmpretrain_svt_with_the_same_weights():
    ours = build(out_indices=(0, 1, 2, 3))
    ref = SVT(ARCH, out_indices=(0, 1, 2, 3), norm_after_stage=[False, False, False, True])
    ref.load_state_dict(ours.state_dict(), strict=True)
    ref.eval()
    x = torch.randn(2, 3, 64, 96)
    for a, b in zip(ours(x), ref(x)):
        torch.testing.assert_close(a, b)


def test_mixed_forward_without_mixing_equals_the_plain_forward():
    """One image per input (N=1): the masked path is the plain SVT arithmetic."""
    model = build()
    x = torch.randn(2, 3, 64, 64)
    ids = torch.zeros(2, 2, 2, dtype=torch.long)
    mixed = model.mixed_stages(x, torch.arange(2)[:, None], ids)[-1]
    torch.testing.assert_close(mixed.permute(0, 3, 1, 2), model(x)[-1])


@pytest.mark.parametrize('kwargs, match', [
    (dict(mask_unit=16), 'pooled key of stage 0 covers 32 px'),
    (dict(img_size=80), 'not divisible by mask_unit=32'),
    (dict(norm_after_stage=False), 'norm_after_stage'),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixMAESVT(**{**TINY, **kwargs})


def test_layer_depth_follows_the_blocks():
    model = build()  # depths 2/2/2/2: 10 layer ids
    depth = model.get_layer_depth
    assert depth('backbone.patch_embeds.0.projection.weight', 'backbone.') == (0, 10)
    assert depth('backbone.stages.0.1.attn.q.weight', 'backbone.') == (2, 10)
    assert depth('backbone.position_encodings.1.proj.weight', 'backbone.') == (3, 10)
    assert depth('backbone.patch_embeds.1.projection.weight', 'backbone.') == (3, 10)
    assert depth('backbone.norm_after_stage3.weight', 'backbone.') == (8, 10)
    assert depth('head.fc.weight', 'backbone.') == (9, 10)
