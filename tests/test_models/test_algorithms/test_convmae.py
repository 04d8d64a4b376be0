"""Tests of the ConvMAE algorithm, alone and with PixMIM's low-pass target."""
import copy
import math

import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators import BaseTargetGenerator

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]

TINY_BACKBONE = dict(
    type='ConvMAEViT',
    arch=dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2),
    img_size=64,
    mask_ratio=0.75)
TINY_NECK = dict(
    type='ConvMAEPretrainDecoder',
    grid_size=4,
    patch_size=16,
    embed_dim=32,
    decoder_embed_dim=16,
    decoder_depth=1,
    decoder_num_heads=2)
HEAD = dict(
    type='MAEPretrainHead',
    norm_pix=True,
    patch_size=16,
    loss=dict(type='PixelReconstructionLoss', criterion='L2'))


def build(target_generator=None, **kwargs):
    cfg = dict(
        type='ConvMAE',
        backbone=TINY_BACKBONE,
        neck=TINY_NECK,
        head=HEAD,
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True),
        target_generator=target_generator,
        **kwargs)
    model = MODELS.build(copy.deepcopy(cfg))
    model.init_weights()
    return model


def loss_with_seed(model, x, seed=0):
    torch.manual_seed(seed)
    return model(x, mode='loss')['loss']


def test_loss_is_finite_and_reaches_every_part():
    model = build()
    loss = loss_with_seed(model, torch.randn(2, 3, 64, 64))
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    for name in ('backbone.patch_embed1.proj.weight', 'backbone.stage1_fusion.weight',
                 'backbone.stage2_fusion.weight', 'backbone.layers.0.attn.qkv.weight',
                 'neck.mask_token', 'neck.decoder_pred.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_extract_feat_is_unmasked():
    (tokens, ) = build()(torch.randn(2, 3, 64, 64), mode='tensor')
    assert tokens.shape == (2, 16, 32)


def test_low_pass_target_changes_only_the_target():
    """PixMIM_ConvMAE = ConvMAE with head.loss(pred, low_pass(x), mask); same forward."""
    plain = build()
    pixmim = build(dict(type='LowPassTargetGenerator', radius=3))
    pixmim.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    loss_plain = loss_with_seed(plain, x)
    loss_pixmim = loss_with_seed(pixmim, x)

    torch.manual_seed(0)
    latent, mask, ids_restore = plain.backbone(x, mask=True)
    pred = plain.neck(latent, ids_restore)
    expected = plain.head.loss(pred, pixmim.target_generator(x), mask)
    torch.testing.assert_close(loss_pixmim, expected)
    torch.testing.assert_close(loss_plain, plain.head.loss(pred, x, mask))
    assert not torch.allclose(loss_pixmim, loss_plain)


def test_all_pass_filter_gives_the_plain_loss():
    plain = build()
    everything = build(dict(type='LowPassTargetGenerator', radius=math.hypot(32, 32)))
    everything.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(
        loss_with_seed(everything, x), loss_with_seed(plain, x), rtol=1e-4, atol=1e-5)


def test_target_generator_gets_the_preprocessor_statistics():
    model = build(dict(type='LowPassTargetGenerator', radius=40))
    assert model.target_generator.mean.flatten().tolist() == pytest.approx(MEAN)
    assert model.target_generator.std.flatten().tolist() == pytest.approx(STD)


class _Crop(BaseTargetGenerator):

    def forward(self, x):
        return x[..., :32, :32]


def test_target_of_the_wrong_shape_is_reported():
    model = build(_Crop())
    with pytest.raises(RuntimeError, match='target_generator returned shape'):
        model(torch.randn(2, 3, 64, 64), mode='loss')


def test_missing_decoder_is_rejected():
    with pytest.raises(ValueError, match='neck'):
        MODELS.build(dict(type='ConvMAE', backbone=TINY_BACKBONE, neck=None, head=HEAD))
