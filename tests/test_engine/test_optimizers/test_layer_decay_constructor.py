"""Layer-wise lr decay for MixMAE Swin backbones in classifiers, detectors and segmentors."""
import pytest
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401
from mixmim_mm.engine.optimizers.layer_decay_constructor import \
    BackboneLayerDecayOptimWrapperConstructor
from mixmim_mm.models.backbones import MixMAESwinTransformer

DEPTHS = (1, 1, 2, 1)  # 'mini': 5 blocks, layer ids 0 (stem) .. 6 (after the encoder)
TOP = sum(DEPTHS) + 1


class Detector(nn.Module):
    """Shape of an mmdet/mmseg model: a backbone and other modules, no get_layer_depth."""

    def __init__(self):
        super().__init__()
        self.backbone = MixMAESwinTransformer(
            arch='mini', img_size=128, window_size=(8, 8, 8, 4), out_indices=(0, 1, 2, 3))
        self.neck = nn.Linear(4, 4)


def scales_of(model,
              decay=0.5,
              constructor='BackboneLayerDecayOptimWrapperConstructor',
              **paramwise):
    wrapper = build_optim_wrapper(
        model,
        dict(
            optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.1),
            constructor=constructor,
            paramwise_cfg=dict(layer_decay_rate=decay, **paramwise)))
    return {g['param_name']: g for g in wrapper.optimizer.param_groups}


@pytest.mark.parametrize(
    'name, layer',
    [
        ('backbone.patch_embed.proj.weight', 0),
        ('backbone.stages.0.blocks.0.attn.qkv.weight', 1),
        ('backbone.stages.1.downsample.reduction.weight', 2),  # with the first block of stage 1
        ('backbone.stages.1.blocks.0.mlp.fc1.weight', 2),
        ('backbone.stages.2.blocks.1.attn.relative_position_bias_table', 4),
        ('backbone.stages.3.downsample.norm.weight', 5),
        ('backbone.stages.3.blocks.0.norm2.weight', 5),
        ('backbone.norm0.weight', TOP),
        ('backbone.norm3.weight', TOP),
        ('neck.weight', TOP),
    ])
def test_layer_ids_follow_the_swin_layout(name, layer):
    init_default_scope('mmpretrain')
    groups = scales_of(Detector())
    assert groups[name]['layer_id'] == layer
    assert groups[name]['lr'] == pytest.approx(0.5**(TOP - layer))


def test_fixed_position_embedding_is_not_optimised():
    init_default_scope('mmpretrain')
    assert 'backbone.absolute_pos_embed' not in scales_of(Detector())


def test_weight_decay_rules_apply():
    init_default_scope('mmpretrain')
    groups = scales_of(Detector(), norm_decay_mult=0., bias_decay_mult=0.)
    assert groups['backbone.stages.0.blocks.0.norm1.weight']['weight_decay'] == 0
    assert groups['backbone.stages.0.blocks.0.attn.qkv.bias']['weight_decay'] == 0
    assert groups['backbone.stages.0.blocks.0.attn.qkv.weight']['weight_decay'] == 0.1


def test_frozen_stages_are_left_out():
    init_default_scope('mmpretrain')
    model = Detector()
    model.backbone = MixMAESwinTransformer(
        arch='mini', img_size=128, window_size=(8, 8, 8, 4), frozen_stages=1)
    names = set(scales_of(model))
    assert not any(
        n.startswith(('backbone.patch_embed', 'backbone.stages.0.', 'backbone.stages.1.'))
        for n in names)
    assert 'backbone.stages.2.blocks.0.attn.qkv.weight' in names


def test_mmpretrain_constructor_gives_classifiers_the_same_ids():
    """Classification configs use MMPretrain's constructor unchanged: ImageClassifier forwards
    get_layer_depth to our backbone with the 'backbone.' prefix."""
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    classifier = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='MixMAESwinTransformer', arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=2, in_channels=256)))
    theirs = scales_of(classifier, constructor='LearningRateDecayOptimWrapperConstructor')
    ours = scales_of(classifier)
    assert {n: g['lr'] for n, g in theirs.items()} == {n: g['lr'] for n, g in ours.items()}
    assert theirs['head.fc.weight']['lr'] == 1.0
    assert theirs['backbone.patch_embed.proj.weight']['lr'] == pytest.approx(0.5**TOP)


def test_model_without_layer_depth_is_rejected_by_name():
    init_default_scope('mmpretrain')
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(TypeError, match='get_layer_depth'):
        scales_of(model)


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
def test_registered_for_mmdet_and_mmseg(scope):
    registry = __import__(f'{scope}.registry', fromlist=['OPTIM_WRAPPER_CONSTRUCTORS'])
    cls = registry.OPTIM_WRAPPER_CONSTRUCTORS.get('BackboneLayerDecayOptimWrapperConstructor')
    assert cls is BackboneLayerDecayOptimWrapperConstructor
    init_default_scope(scope)
    assert scales_of(Detector())['neck.weight']['lr'] == 1.0
