"""LoudVisionTransformer: fine-tuning takes every encoder weight of a MixedAE checkpoint, loudly."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import save_checkpoint_file
from mixmim_mm.models.backbones import LoudVisionTransformer, MixedAEViT

ARCH = dict(embed_dims=32, num_layers=2, num_heads=4, feedforward_channels=64)
FINETUNE = str(
    Path(__file__).parents[3] / 'configs' / 'mixedae' / 'benchmarks' /
    'vit-base-p16_8xb128-coslr-100e_in1k.py')


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """A tiny MixedAE encoder with random weights, saved as a whole-model checkpoint."""
    torch.manual_seed(0)
    encoder = MixedAEViT(arch=ARCH, img_size=64)
    encoder.init_weights()
    with torch.no_grad():
        for p in encoder.parameters():
            p.add_(torch.randn_like(p))
    state = {f'backbone.{k}': v for k, v in encoder.state_dict().items()}
    state['neck.mask_token'] = torch.zeros(1, 1, 16)
    state['contrastive_head.projector.weight'] = torch.zeros(16, 32)
    path = str(tmp_path_factory.mktemp('mixedae') / 'epoch_1.pth')
    save_checkpoint_file(state, path)
    return path, encoder.state_dict()


def finetune_backbone(checkpoint, **kwargs):
    """The fine-tuning config's backbone, shrunk to the tiny arch."""
    cfg = Config.fromfile(FINETUNE).model.backbone
    cfg.update(
        arch=kwargs.pop('arch_override', ARCH),
        img_size=kwargs.pop('img_size', 64),
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone.'),
        **kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_finetuning_loads_every_encoder_weight(pretrained):
    path, encoder = pretrained
    model = finetune_backbone(path)
    assert isinstance(model, LoudVisionTransformer) and model.out_type == 'avg_featmap'
    state = model.state_dict()
    for key, value in encoder.items():
        if key.startswith('ln1.'):  # final_norm=False: MAE's fine-tuning pools, then ln2
            assert key not in state
        else:
            assert torch.equal(state[key], value), key
    assert set(state) - set(encoder) == {'ln2.weight', 'ln2.bias'}


def test_a_missing_encoder_weight_raises_naming_the_file(pretrained, tmp_path):
    path, _ = pretrained
    state = torch.load(path, weights_only=True)['state_dict']
    del state['backbone.layers.1.attn.qkv.weight']
    broken = str(tmp_path / 'broken.pth')
    save_checkpoint_file(state, broken)
    with pytest.raises(ValueError, match=r'broken\.pth lacks 1 .*layers\.1\.attn\.qkv\.weight'):
        finetune_backbone(broken)


def test_a_deeper_checkpoint_raises(pretrained):
    path, _ = pretrained
    with pytest.raises(ValueError, match='no place for'):
        finetune_backbone(path, arch_override=dict(ARCH, num_layers=1))


def test_position_embedding_is_resized_to_the_finetuning_grid(pretrained):
    from mmpretrain.models.utils import resize_pos_embed
    path, encoder = pretrained
    model = finetune_backbone(path, img_size=96)
    expected = resize_pos_embed(encoder['pos_embed'], (4, 4), (6, 6), 'bicubic', 1)
    torch.testing.assert_close(model.pos_embed.data, expected)
