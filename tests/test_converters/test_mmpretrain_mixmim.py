"""MMPretrain MixMIM checkpoints convert to our keys, and nothing else does.

Key-level checks; that the converted weights compute MMPretrain's features and loss is
tested in ``tests/test_models/test_algorithms/test_mixmae_vs_mmpretrain.py``.
"""
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import convert_mmpretrain_mixmim, save_checkpoint_file

ARCH = dict(embed_dims=32, depths=[2, 1, 2, 1], num_heads=[1, 2, 4, 8])
IMG, WINDOWS = 128, [8, 8, 8, 4]
TOOL = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools', 'model_converters',
    'mmpretrain_mixmim_to_mixmim_mm.py')


def our_pretrain_model():
    return MODELS.build(
        dict(
            type='MixMAE',
            num_images=2,
            mix_mode='flip',
            backbone=dict(
                type='MixMAESwinTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=64, depth=2, num_heads=2),
            head=dict(type='MixMAEHead', norm_pix=True)))


def our_classifier():
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='MixMAESwinTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=256)))


@pytest.fixture(scope='module')
def mmpretrain_pretrain():
    """State dict of an MMPretrain ``MixMIM`` pretraining model."""
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='MixMIM',
            backbone=dict(
                type='MixMIMPretrainTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(
                type='MixMIMPretrainDecoder',
                num_patches=(IMG // 32)**2,
                encoder_stride=32,
                embed_dim=256,
                decoder_embed_dim=64,
                decoder_depth=2,
                decoder_num_heads=2),
            head=dict(
                type='MixMIMPretrainHead',
                norm_pix=True,
                loss=dict(type='PixelReconstructionLoss', criterion='L2')))).state_dict()


@pytest.fixture(scope='module')
def mmpretrain_classifier():
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='MixMIMTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=256))).state_dict()


def test_pretraining_checkpoint_has_exactly_our_keys(mmpretrain_pretrain):
    converted = convert_mmpretrain_mixmim(mmpretrain_pretrain)
    ours = our_pretrain_model()
    assert set(converted) == set(ours.state_dict())
    ours.load_state_dict(converted, strict=True)  # also checks every shape
    assert torch.equal(converted['backbone.stages.2.blocks.1.attn.qkv.weight'],
                       mmpretrain_pretrain['backbone.layers.2.blocks.1.attn.qkv.weight'])
    assert torch.equal(converted['neck.decoder_norm.weight'],
                       mmpretrain_pretrain['neck.ln1.weight'])


def test_classifier_and_bare_backbone_have_exactly_our_keys(mmpretrain_classifier):
    converted = convert_mmpretrain_mixmim(mmpretrain_classifier)
    ours = our_classifier()
    assert set(converted) == set(ours.state_dict())
    ours.load_state_dict(converted, strict=True)
    bare = {
        k[len('backbone.'):]: v
        for k, v in mmpretrain_classifier.items() if k.startswith('backbone.')
    }
    ours.backbone.load_state_dict(convert_mmpretrain_mixmim(bare), strict=True)


@pytest.mark.parametrize('state, match', [
    ({
        'conv1.weight': torch.zeros(1),
        'fc.bias': torch.zeros(1)
    }, r'not an MMPretrain MixMIM checkpoint: expected keys such as '
     r"\['backbone.patch_embed.projection.weight'.*found \['conv1.weight', 'fc.bias'\]"),
    ({
        'layers.0.blocks.0.norm1.weight': torch.zeros(1)
    }, 'official_mixmim_to_mixmim_mm.py'),
    ({
        'backbone.stages.0.blocks.0.norm1.weight': torch.zeros(1)
    }, 'already has mixmim_mm keys'),
])
def test_other_checkpoints_are_refused_with_the_expected_keys(state, match):
    with pytest.raises(ValueError, match=match):
        convert_mmpretrain_mixmim(state, source='other.pth')


@pytest.mark.parametrize('drop, match', [
    ('backbone.layers.1.blocks.0.attn.qkv.weight',
     r'other.pth.*\n.*missing \(1\).*stages.1.blocks.0.attn.qkv.weight'),
    ('backbone.layers.0.downsample.reduction.weight',
     r'missing \(1\).*stages.1.downsample.reduction.weight'),
    ('neck.decoder_blocks.1.attn.qkv.weight',
     r'decoder.*\n.*missing \(1\).*decoder_blocks.1.attn.qkv.weight'),
])
def test_incomplete_checkpoint_is_refused(mmpretrain_pretrain, drop, match):
    state = {k: v for k, v in mmpretrain_pretrain.items() if k != drop}
    with pytest.raises(ValueError, match=match):
        convert_mmpretrain_mixmim(state, source='other.pth')


@pytest.mark.parametrize('extra, match', [
    ('backbone.layers.0.blocks.0.extra_scale', r'unexpected \(1\).*extra_scale'),
    ('target_generator.weight', r'outside "backbone.".*target_generator.weight'),
])
def test_unknown_keys_are_not_dropped_silently(mmpretrain_pretrain, extra, match):
    state = dict(mmpretrain_pretrain, **{extra: torch.zeros(3)})
    with pytest.raises(ValueError, match=match):
        convert_mmpretrain_mixmim(state)


def test_command_line_tool_converts_a_pretraining_checkpoint(mmpretrain_pretrain, tmp_path,
                                                             run_script, capsys):
    src, dst = str(tmp_path / 'mmpretrain.pth'), str(tmp_path / 'ours.pth')
    save_checkpoint_file(mmpretrain_pretrain, src)
    run_script(TOOL, [src, dst])
    checkpoint = torch.load(dst, weights_only=True)
    our_pretrain_model().load_state_dict(checkpoint['state_dict'], strict=True)
    assert checkpoint['meta']['backbone_arch']['depths'] == ARCH['depths']
    assert 'depths=[2, 1, 2, 1]' in capsys.readouterr().out


@pytest.mark.parametrize('broken, match', [
    ('resnet', r'resnet.pth is not an MMPretrain MixMIM checkpoint.*conv1.weight'),
    ('no_qkv', r'no_qkv.pth.*\n.*missing \(1\).*stages.3.blocks.0.attn.qkv.weight'),
])
def test_command_line_tool_refuses_bad_input_and_writes_nothing(mmpretrain_pretrain, tmp_path,
                                                                run_script, broken, match):
    if broken == 'resnet':
        state = {'conv1.weight': torch.zeros(8, 3, 7, 7)}
    else:
        state = {
            k: v
            for k, v in mmpretrain_pretrain.items()
            if k != 'backbone.layers.3.blocks.0.attn.qkv.weight'
        }
    src, dst = str(tmp_path / f'{broken}.pth'), tmp_path / 'out.pth'
    save_checkpoint_file(state, src)
    with pytest.raises(ValueError, match=match):
        run_script(TOOL, [src, str(dst)])
    assert not dst.exists()
