"""Our MixMAE in ``flip`` mode is numerically MMPretrain's MixMIM given the same weights/mask."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import convert_mmpretrain_mixmim
from mixmim_mm.models.utils import upsample_group_ids

ARCH = dict(embed_dims=32, depths=[2, 1, 2, 1], num_heads=[1, 2, 4, 8])
IMG, WINDOWS, DEC = 128, [8, 8, 8, 4], dict(dims=64, depth=2, heads=2)


def build_reference():
    return MODELS.build(
        dict(
            type='MixMIM',
            backbone=dict(
                type='MixMIMPretrainTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(
                type='MixMIMPretrainDecoder',
                num_patches=(IMG // 32)**2,
                encoder_stride=32,
                embed_dim=ARCH['embed_dims'] * 8,
                decoder_embed_dim=DEC['dims'],
                decoder_depth=DEC['depth'],
                decoder_num_heads=DEC['heads']),
            head=dict(
                type='MixMIMPretrainHead',
                norm_pix=True,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))


def build_ours():
    return MODELS.build(
        dict(
            type='MixMAE',
            num_images=2,
            mix_mode='flip',
            shared_mask=True,
            backbone=dict(
                type='MixMAESwinTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(
                type='MixMAEDecoder',
                in_channels=ARCH['embed_dims'] * 8,
                embed_dims=DEC['dims'],
                depth=DEC['depth'],
                num_heads=DEC['heads']),
            head=dict(type='MixMAEHead', norm_pix=True)))


@pytest.fixture(scope='module')
def models():
    torch.manual_seed(0)
    ref = build_reference()
    ref.init_weights()
    # Randomise every parameter so that no zero-initialised part hides a mismatch.
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    ours = build_ours()
    missing, unexpected = ours.load_state_dict(
        convert_mmpretrain_mixmim(ref.state_dict()), strict=True)
    assert not missing and not unexpected
    return ref.eval(), ours.eval()


def force_mask(ref, ours, group_ids, monkeypatch):
    """Make both models use the same batch-shared mask."""
    plan_ids = group_ids[:1]

    def ref_masking(x, mask_ratio=0.5):
        h, w = x.shape[2] // 32, x.shape[3] // 32
        return tuple(
            upsample_group_ids(plan_ids, (h * s, w * s)).float().reshape(1, -1, 1)
            for s in (8, 4, 2, 1))

    monkeypatch.setattr(ref.backbone, 'random_masking', ref_masking)
    monkeypatch.setattr(
        ours,
        'sample_mixing',
        lambda inputs, generator=None: (torch.stack([
            torch.arange(len(inputs)), torch.arange(len(inputs)).flip(0)
        ], 1), group_ids.expand(len(inputs), -1, -1)))


def test_flip_mode_loss_equals_mmpretrain_mixmim(models, monkeypatch):
    ref, ours = models
    torch.manual_seed(1)
    inputs = torch.randn(4, 3, IMG, IMG)
    group_ids = torch.randint(0, 2, (1, IMG // 32, IMG // 32))
    force_mask(ref, ours, group_ids, monkeypatch)
    with torch.no_grad():
        ref_loss = ref.loss(inputs, [])['loss']
        our_loss = ours.loss(inputs, [])['loss']
    assert torch.allclose(our_loss, ref_loss, rtol=0, atol=1e-5), (our_loss, ref_loss)


def test_classifier_features_equal_mmpretrain_backbone(models):
    ref, ours = models
    x = torch.randn(2, 3, IMG, IMG)
    with torch.no_grad():
        ref_pooled = ref.backbone(x, mask=None)[0]
        our_pooled = ours.backbone(x)[-1].mean(dim=(2, 3))
    assert torch.allclose(our_pooled, ref_pooled, atol=1e-5)


def test_equivalence_check_is_sensitive_to_the_mask(models, monkeypatch):
    """A different mask must move our loss far beyond the 1e-5 tolerance used above.

    (Swapping the polarity would not: in flip mode with a shared mask that only swaps
    the roles of sample i and B-1-i, which leaves the loss unchanged.)
    """
    ref, ours = models
    torch.manual_seed(2)
    inputs = torch.randn(4, 3, IMG, IMG)
    group_ids = torch.randint(0, 2, (1, IMG // 32, IMG // 32))
    other = group_ids.clone()
    other[0, 0, :2] = 1 - other[0, 0, :2]
    force_mask(ref, ours, group_ids, monkeypatch)
    with torch.no_grad():
        ref_loss = ref.loss(inputs, [])['loss']
    force_mask(ref, ours, other, monkeypatch)
    with torch.no_grad():
        changed = ours.loss(inputs, [])['loss']
    assert (changed - ref_loss).abs() > 1e-4  # 10x the equivalence tolerance
