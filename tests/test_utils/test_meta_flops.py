"""The meta-device FLOP counter equals mmengine's FlopAnalyzer (via get_flops_params) exactly
on every module type of our classifiers, detectors and segmentors."""
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401
from mixmim_mm.models.backbones import MixMAESwinTransformer
from mixmim_mm.utils import get_flops_params
from mixmim_mm.utils.meta_flops import count_flops_meta

BN = dict(type='BN', requires_grad=True)


class Tupled(nn.Module):
    """Calls ``module`` with its tensor arguments packed into one tuple (neck/head inputs)."""

    def __init__(self, *modules):
        super().__init__()
        self.body = nn.Sequential(*modules)

    def forward(self, *feats):
        return self.body(feats)


def assert_same_count(module, *inputs):
    module = module.eval()
    expected, _ = get_flops_params(module, inputs)
    assert expected > 0
    assert count_flops_meta(copy.deepcopy(module), *inputs) == expected


def pyramid(channels=(8, 16, 32, 64), size=(40, 56)):
    return tuple(
        torch.randn(1, c, size[0] // 2**i, size[1] // 2**i) for i, c in enumerate(channels))


def test_backbone_with_padding_and_per_block_windows():
    model = MixMAESwinTransformer(
        arch='mini', img_size=128, window_size=(8, 8, [8, 4], 4), out_indices=(0, 1, 2, 3))
    assert_same_count(model, torch.randn(1, 3, 100, 120))  # not a multiple of any window


def test_fpn_and_two_conv_rpn_head():
    init_default_scope('mmdet')
    from mmdet.registry import MODELS
    fpn = MODELS.build(
        dict(type='FPN', in_channels=[8, 16, 32, 64], out_channels=16, num_outs=5, norm_cfg=BN))
    rpn = MODELS.build(
        dict(
            type='RPNHead',
            in_channels=16,
            feat_channels=16,
            num_convs=2,
            anchor_generator=dict(
                type='AnchorGenerator',
                scales=[8],
                ratios=[0.5, 1.0, 2.0],
                strides=[4, 8, 16, 32, 64])))
    assert_same_count(Tupled(fpn, rpn), *pyramid())


@pytest.mark.parametrize(
    'head', [
        dict(
            type='Shared4Conv1FCBBoxHead',
            in_channels=16,
            conv_out_channels=16,
            fc_out_channels=32,
            roi_feat_size=7,
            num_classes=3,
            norm_cfg=BN),
        dict(
            type='FCNMaskHead',
            num_convs=4,
            in_channels=16,
            conv_out_channels=16,
            num_classes=3,
            norm_cfg=BN),
    ],
    ids=lambda h: h['type'])
def test_roi_heads(head):
    init_default_scope('mmdet')
    from mmdet.registry import MODELS
    size = 7 if head['type'].endswith('BBoxHead') else 14
    assert_same_count(MODELS.build(head), torch.randn(5, 16, size, size))


def test_uper_head_with_pyramid_pooling():
    init_default_scope('mmseg')
    from mmseg.registry import MODELS
    head = MODELS.build(
        dict(
            type='UPerHead',
            in_channels=[8, 16, 32, 64],
            in_index=[0, 1, 2, 3],
            pool_scales=(1, 2, 3, 6),
            channels=16,
            num_classes=5,
            norm_cfg=BN))
    assert_same_count(Tupled(head), *pyramid())


def test_module_is_left_on_meta_and_inputs_untouched():
    model = nn.Linear(4, 3)
    x = torch.randn(2, 4)
    assert count_flops_meta(model, x) == 2 * 4 * 3
    assert model.weight.device.type == 'meta' and x.device.type == 'cpu'
