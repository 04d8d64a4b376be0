"""Encoder weights out of any MixMAE/MixMIM checkpoint, as a bare backbone state dict."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import backbone_state_dict
from mixmim_mm.converters.backbone_only import detect_format, infer_backbone_arch

WINDOWS = (8, 8, [8, 4], 4)


@pytest.fixture(scope='module')
def pretrain_state():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MixMAE',
            num_images=2,
            backbone=dict(
                type='MixMAESwinTransformer', arch='mini', img_size=128, window_size=WINDOWS),
            neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
            head=dict(
                type='MixMAEHead',
                norm_pix=True,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    return model.state_dict()


def test_whole_model_gives_its_backbone(pretrain_state):
    backbone = backbone_state_dict(pretrain_state)
    expected = {
        k[len('backbone.'):]: v
        for k, v in pretrain_state.items() if k.startswith('backbone.')
    }
    assert set(backbone) == set(expected)
    assert all(torch.equal(backbone[k], v) for k, v in expected.items())


def test_bare_backbone_passes_through(pretrain_state):
    bare = backbone_state_dict(pretrain_state)
    assert set(backbone_state_dict(bare)) == set(bare)


def test_wrong_prefix_names_the_prefixes_found(pretrain_state):
    with pytest.raises(ValueError, match=r"prefix='encoder\.'.*'backbone\.', 'neck\.'"):
        backbone_state_dict(pretrain_state, prefix='encoder.', source='ckpt.pth')


def test_incomplete_backbone_lists_missing_keys(pretrain_state):
    state = dict(pretrain_state)
    del state['backbone.stages.2.blocks.1.mlp.fc2.weight']
    with pytest.raises(ValueError, match=r'(?s)ckpt.pth.*missing \(1\).*stages.2.blocks.1.mlp.fc2'):
        backbone_state_dict(state, source='ckpt.pth')


def test_unrelated_checkpoint_is_refused():
    with pytest.raises(ValueError, match='holds no MixMAE/MixMIM encoder.*conv1.weight'):
        backbone_state_dict({'conv1.weight': torch.zeros(1)})


def test_formats_are_detected(pretrain_state):
    assert detect_format(pretrain_state) == 'mixmim_mm'
    assert detect_format({'layers.0.blocks.0.norm1.weight': 0}) == 'official'
    assert detect_format({'backbone.layers.0.blocks.0.ln1.weight': 0}) == 'mmpretrain'
    assert detect_format({'conv1.weight': 0}) is None


def test_mmpretrain_checkpoint_is_converted(pretrain_state):
    arch = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])
    reference = MODELS.build(
        dict(type='MixMIMTransformer', arch=arch, img_size=128, window_size=[8, 8, 8, 4]))
    state = {'backbone.' + k: v for k, v in reference.state_dict().items()}
    backbone = backbone_state_dict(state)
    assert torch.equal(backbone['patch_embed.proj.weight'],
                       reference.state_dict()['patch_embed.projection.weight'])
    assert 'norm3.weight' in backbone


def test_architecture_is_read_from_shapes(pretrain_state):
    arch = infer_backbone_arch(backbone_state_dict(pretrain_state))
    assert arch == dict(
        embed_dims=32,
        depths=[1, 1, 2, 1],
        num_heads=[1, 2, 4, 8],
        window_size=[[8], [8], [8, 4], [4]],
        patch_size=4,
        img_size=128)
