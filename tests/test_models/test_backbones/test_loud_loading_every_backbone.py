"""Every registered backbone loads a ``Pretrained`` checkpoint loudly: all weights, or an error
naming the file.

``TINY`` must list every backbone class the package registers, so a new backbone is checked
here too: it takes its own state dict back exactly, and refuses a checkpoint that lacks one
weight of its first block.
"""
import re

import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401

VIT = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
CONVMAE = dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2)
PVT = dict(embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4], mlp_ratios=[2, 2, 2, 2])
SVT = dict(
    embed_dims=[8, 16, 16, 32],
    depths=[1, 1, 1, 1],
    num_heads=[1, 2, 2, 4],
    patch_sizes=[4, 2, 2, 2],
    strides=[4, 2, 2, 2],
    mlp_ratios=[2, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1],
    window_sizes=[4, 4, 2, 2])
SWIN = dict(embed_dims=8, depths=[1, 1, 2, 1], num_heads=[1, 1, 2, 2])

TINY = dict(
    ConvMAEViT=dict(arch=CONVMAE, img_size=64),
    ConvMAEViTDense=dict(arch=CONVMAE, img_size=64),
    FastMIMViT=dict(arch=VIT, img_size=64),
    LSMAEViT=dict(arch=VIT, img_size=64),
    LoudConvNeXt=dict(arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 16, 32])),
    LoudPyramidVisionTransformer=dict(pretrain_img_size=64, **PVT),
    LoudPyramidVisionTransformerV2=dict(**PVT),
    LoudSVT=dict(arch=SVT),
    LoudSwinTransformer=dict(arch=SWIN, img_size=64, window_size=4),
    LoudVisionTransformer=dict(arch=VIT, img_size=64),
    MixMAEPVT=dict(arch=PVT, img_size=64),
    MixMAESVT=dict(arch=SVT, img_size=64),
    MixMAESwinTransformer=dict(arch=SWIN, img_size=64, window_size=(4, 4, 4, 2)),
    MixMAEViT=dict(arch=VIT, img_size=64),
    MixedAEViT=dict(arch=VIT, img_size=64),
)


def build(name, checkpoint=None):
    cfg = dict(type=name, **TINY[name])
    if checkpoint is not None:
        cfg['init_cfg'] = dict(type='Pretrained', checkpoint=str(checkpoint), prefix='backbone.')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def save(state, path):
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in state.items()}}, path)
    return path


def pretrained_state(name):
    """The state dict of an initialised model, its weights moved away from any fresh init."""
    torch.manual_seed(0)
    model = build(name)
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    return model, model.state_dict()


def first_block_weight(model):
    """The first attention or convolution weight that the checkpoint must hold."""
    optional = tuple(getattr(model, 'pretrained_optional_keys', ()))
    for key, param in model.named_parameters():
        if re.search(r'(attn|conv).*weight$', key) and param.ndim >= 2 and \
                not (optional and key.startswith(optional)):
            return key
    raise AssertionError(f'{type(model).__name__} has no attention or convolution weight')


def test_every_registered_backbone_is_checked():
    registered = {
        name
        for name, cls in MODELS.module_dict.items()
        if cls.__module__.startswith('mixmim_mm.models.backbones')
    }
    assert set(TINY) == registered


@pytest.mark.parametrize('name', sorted(TINY))
def test_full_checkpoint_loads_every_tensor(name, tmp_path):
    _, state = pretrained_state(name)
    path = save(state, tmp_path / 'full.pth')
    torch.manual_seed(1)
    model = build(name, path)
    model.init_weights()
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        torch.testing.assert_close(loaded[key], value, rtol=0, atol=0, msg=key)


@pytest.mark.parametrize('name', sorted(TINY))
def test_checkpoint_missing_one_weight_raises_naming_the_file(name, tmp_path):
    source, state = pretrained_state(name)
    key = first_block_weight(source)
    del state[key]
    model = build(name, save(state, tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='missing.pth') as error:
        model.init_weights()
    assert key in str(error.value)
