"""The MixedAE -> ViT converter keeps every encoder tensor and drops decoder and projector."""
import copy
from pathlib import Path

import pytest
import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import load_state_dict_file
from mixmim_mm.converters.vit_backbone import vit_backbone_state_dict

TOOL = str(Path(__file__).parents[2] / 'tools' / 'model_converters' / 'mixedae_to_backbone.py')
ARCH = dict(embed_dims=32, num_layers=2, num_heads=4, feedforward_channels=64)
TINY = dict(
    type='MixedAE',
    backbone=dict(type='MixedAEViT', arch=ARCH, img_size=64),
    neck=dict(type='MixMAEDecoder', in_channels=32, embed_dims=16, depth=1, num_heads=2),
    head=dict(type='MixMAEHead', norm_pix=True),
    contrastive_head=dict(type='HomologousContrastiveHead', in_channels=32, proj_dims=16))


@pytest.fixture(scope='module')
def pretrain_state():
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(TINY))
    model.init_weights()
    return model.state_dict()


def test_tool_writes_exactly_the_vit_encoder(pretrain_state, tmp_path, run_script):
    src, dst = tmp_path / 'epoch_1.pth', tmp_path / 'backbone.pth'
    torch.save({'state_dict': pretrain_state, 'meta': {}}, src)
    run_script(TOOL, [str(src), str(dst)])
    converted = load_state_dict_file(str(dst))
    vit = VisionTransformer(arch=ARCH, img_size=64, patch_size=16, out_type='raw')
    assert set(converted) == set(vit.state_dict())
    for key, value in converted.items():
        assert torch.equal(value, pretrain_state['backbone.' + key])
    assert not any(k.startswith(('neck', 'head', 'contrastive_head')) for k in converted)
    meta = torch.load(dst, weights_only=True)['meta']
    assert meta['backbone_arch'] == dict(
        embed_dims=32, num_layers=2, patch_size=16, final_norm=True)


def test_incomplete_encoder_is_reported_with_the_source(pretrain_state):
    state = dict(pretrain_state)
    del state['backbone.layers.1.attn.qkv.weight']
    with pytest.raises(ValueError, match=r'my\.pth(.|\n)*layers\.1\.attn\.qkv\.weight'):
        vit_backbone_state_dict(state, source='my.pth')


def test_checkpoint_without_the_prefix_or_a_vit_is_rejected(pretrain_state):
    with pytest.raises(ValueError, match="prefix='encoder.'"):
        vit_backbone_state_dict(pretrain_state, prefix='encoder.', source='x.pth')
    with pytest.raises(ValueError, match='not a ViT encoder'):
        vit_backbone_state_dict({'backbone.stages.0.w': torch.zeros(1)}, source='x.pth')
