"""ViTDet's simple feature pyramid: levels, strides, layers, registration for mmdet."""
import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401
from mixmim_mm.models.necks import SimpleFeaturePyramid


def test_default_levels_have_strides_4_to_64_of_a_stride_16_map():
    neck = SimpleFeaturePyramid(in_channels=64, out_channels=16)
    outs = neck(torch.randn(2, 64, 8, 8))  # a 128 px image at stride 16
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32, 32), (2, 16, 16, 16), (2, 16, 8, 8),
                                              (2, 16, 4, 4), (2, 16, 2, 2)]


def test_branches_are_deconv_identity_and_maxpool_then_1x1_and_3x3_with_norms():
    neck = SimpleFeaturePyramid(in_channels=64, out_channels=16, num_outs=4)
    up4, up2, same, down2 = (stage[0] for stage in neck.stages)
    assert [type(m).__name__
            for m in up4] == ['ConvTranspose2d', 'LayerNorm2d', 'GELU', 'ConvTranspose2d']
    assert (up4[0].out_channels, up4[3].out_channels) == (32, 16)
    assert isinstance(up2, nn.ConvTranspose2d) and up2.out_channels == 32
    assert isinstance(same, nn.Identity) and isinstance(down2, nn.MaxPool2d)
    for stage in neck.stages:
        lateral, output = stage[1], stage[2]
        assert lateral.conv.kernel_size == (1, 1) and output.conv.kernel_size == (3, 3)
        assert lateral.conv.bias is None  # the norm carries the bias
        assert type(lateral.norm).__name__ == 'LayerNorm2d'
        assert not lateral.with_activation and not output.with_activation


def test_extra_level_subsamples_the_last_one():
    neck = SimpleFeaturePyramid(in_channels=32, out_channels=8, scale_factors=(1.0, ), num_outs=2)
    outs = neck(torch.randn(1, 32, 6, 6))
    torch.testing.assert_close(outs[1], outs[0][:, :, ::2, ::2])


def test_takes_the_map_from_a_backbone_tuple():
    neck = SimpleFeaturePyramid(in_channels=32, out_channels=8, in_index=0)
    x = torch.randn(1, 32, 4, 4)
    for a, b in zip(neck((x, torch.randn(1, 5, 4, 4))), neck(x)):
        torch.testing.assert_close(a, b)


def test_bad_settings_and_inputs_are_rejected():
    with pytest.raises(ValueError, match='scale_factors'):
        SimpleFeaturePyramid(in_channels=32, scale_factors=(3.0, ))
    with pytest.raises(ValueError, match='num_outs=2'):
        SimpleFeaturePyramid(in_channels=32, num_outs=2)
    with pytest.raises(KeyError, match='norm_cfg'):
        SimpleFeaturePyramid(in_channels=32, norm_cfg=dict(type='NoSuchNorm'))
    with pytest.raises(ValueError, match=r'\(B, 32, H, W\)'):
        SimpleFeaturePyramid(in_channels=32)(torch.randn(1, 16, 4, 4))


def test_trains_end_to_end():
    neck = SimpleFeaturePyramid(in_channels=32, out_channels=8)
    x = torch.randn(1, 32, 4, 4, requires_grad=True)
    sum(o.sum() for o in neck(x)).backward()
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in neck.parameters())


def test_registered_for_mmdet_with_ln2d():
    import mmdet.models  # noqa: F401
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        neck = MODELS.build(
            dict(
                type='SimpleFeaturePyramid',
                in_channels=32,
                out_channels=8,
                norm_cfg=dict(type='LN2d', eps=1e-6)))
        # The RoI heads build their norms through mmcv in the mmdet scope.
        from mmcv.cnn import build_norm_layer
        _, norm = build_norm_layer(dict(type='LN2d'), 8)
    assert isinstance(neck, SimpleFeaturePyramid)
    assert type(norm).__name__ == 'LayerNorm2d'
