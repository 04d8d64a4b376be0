"""The one MixMAE algorithm drives every encoder that implements MixingEncoder."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401

ENCODERS = {
    'vit':
    dict(
        type='MixMAEViT',
        img_size=64,
        arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)),
    'pvt':
    dict(
        type='MixMAEPVT',
        img_size=64,
        arch=dict(
            embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4], mlp_ratios=[2, 2, 2,
                                                                                       2])),
    'twins-svt':
    dict(
        type='MixMAESVT',
        img_size=64,
        arch=dict(
            embed_dims=[8, 16, 16, 32],
            depths=[2, 2, 2, 2],
            num_heads=[1, 2, 2, 4],
            patch_sizes=[4, 2, 2, 2],
            strides=[4, 2, 2, 2],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[8, 4, 2, 1],
            window_sizes=[4, 4, 2, 2])),
}


def build(backbone):
    return MODELS.build(
        dict(
            type='MixMAE',
            num_images=4,
            mix_mode='group',
            backbone=backbone,
            neck=dict(type='MixMAEDecoder', embed_dims=32, depth=1, num_heads=2),
            head=dict(type='MixMAEHead')))


@pytest.mark.parametrize('name', sorted(ENCODERS))
def test_group_mode_loss_reaches_every_encoder_weight(name):
    torch.manual_seed(0)
    model = build(ENCODERS[name])
    model.init_weights()
    assert model.neck.decoder_embed.in_features == model.backbone.mixed_channels
    loss = model.loss(torch.randn(8, 3, 64, 64))['loss']
    loss.backward()
    assert torch.isfinite(loss)
    no_grad = [
        n for n, p in model.backbone.named_parameters() if p.requires_grad and p.grad is None
    ]
    assert not no_grad


def test_backbone_that_cannot_be_mixed_is_named():
    with pytest.raises(TypeError, match='VisionTransformer cannot be mixed'):
        build(dict(type='VisionTransformer', arch='deit-tiny', img_size=64))


def test_neck_width_must_match_the_encoder():
    with pytest.raises(ValueError, match='neck.in_channels=64'):
        MODELS.build(
            dict(
                type='MixMAE',
                backbone=ENCODERS['vit'],
                neck=dict(
                    type='MixMAEDecoder', in_channels=64, embed_dims=32, depth=1, num_heads=2),
                head=dict(type='MixMAEHead')))
