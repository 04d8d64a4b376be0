"""``init_cfg=dict(type='Pretrained')`` loads loudly and completely: MixMAESwinTransformer and
any backbone with ``LoudPretrainedMixin``."""
import logging

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import save_checkpoint_file
from mixmim_mm.models.backbones import MixMAESwinTransformer
from mixmim_mm.models.utils import pretrained


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MixMAE',
            num_images=2,
            backbone=dict(
                type='MixMAESwinTransformer', arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
            neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
            head=dict(
                type='MixMAEHead',
                norm_pix=True,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    path = str(tmp_path_factory.mktemp('ckpt') / 'pretrain.pth')
    save_checkpoint_file(model.state_dict(), path)
    return path, model.state_dict()


def downstream(checkpoint_path, prefix='backbone.', **kwargs):
    cfg = dict(arch='mini', img_size=128, window_size=(8, 8, 8, 4), out_indices=(0, 1, 2, 3))
    cfg.update(kwargs)
    init_cfg = dict(type='Pretrained', checkpoint=checkpoint_path)
    if prefix is not None:
        init_cfg['prefix'] = prefix
    model = MixMAESwinTransformer(**cfg, init_cfg=init_cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('prefix', ['backbone.', None])
def test_encoder_weights_are_loaded(checkpoint, prefix):
    path, state = checkpoint
    loaded = downstream(path, prefix).state_dict()
    for key, value in loaded.items():
        if not key.startswith(('norm0.', 'norm1.', 'norm2.')):
            assert torch.equal(value, state['backbone.' + key]), key


def test_new_output_norms_are_reported(checkpoint, monkeypatch):
    path, _ = checkpoint
    messages = []
    monkeypatch.setattr(
        pretrained,
        'print_log',
        lambda msg, logger=None, level=logging.INFO: messages.append((level, msg)))
    downstream(path)
    assert (logging.WARNING, 'not in the checkpoint, initialised fresh: '
            "['norm0.weight', 'norm0.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', "
            "'norm2.bias']") in messages
    assert any(msg.startswith('loaded 81 encoder tensors') for _, msg in messages)


def test_windows_and_position_grid_are_resized(checkpoint):
    path, state = checkpoint
    model = downstream(path, img_size=256, window_size=(16, 16, [16, 32], 16))
    assert model.absolute_pos_embed.shape == (1, 64 * 64, 32)
    assert model.stages[2].blocks[1].attn.relative_position_bias_table.shape == (63 * 63, 4)
    # The table of the 32x32 pretraining grid, bicubically resized as an image (C, H, W).
    source = state['backbone.absolute_pos_embed'].view(1, 32, 32, 32).permute(0, 3, 1, 2)
    expected = F.interpolate(source, size=(64, 64), mode='bicubic', align_corners=False)
    assert torch.allclose(
        model.absolute_pos_embed.view(1, 64, 64, 32).permute(0, 3, 1, 2), expected, atol=1e-6)
    x = torch.randn(1, 3, 256, 256)
    assert [f.shape[-1] for f in model(x)] == [64, 32, 16, 8]


def test_missing_encoder_weights_raise(tmp_path, checkpoint):
    _, state = checkpoint
    broken = {k: v for k, v in state.items() if 'stages.1.blocks.0.attn.qkv' not in k}
    path = str(tmp_path / 'broken.pth')
    save_checkpoint_file(broken, path)
    with pytest.raises(
            ValueError, match=r'broken.pth lacks 2 encoder weights.*stages.1.blocks.0.attn.qkv'):
        downstream(path)


def test_wrong_prefix_raises(checkpoint):
    path, _ = checkpoint
    with pytest.raises(ValueError, match="prefix='module.'"):
        downstream(path, prefix='module.')


def test_other_architecture_raises(checkpoint):
    path, _ = checkpoint
    with pytest.raises(ValueError, match='does not fit the model'):
        downstream(path, arch=dict(embed_dims=64, depths=(1, 1, 2, 1), num_heads=(1, 2, 4, 8)))


def test_missing_file_is_named():
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        downstream('nowhere.pth')


def test_encoder_weights_the_model_cannot_take_raise(checkpoint):
    # A deeper checkpoint (stage 2 has 2 blocks) into a shallower model would drop a block.
    path, _ = checkpoint
    with pytest.raises(
            ValueError,
            match=r'pretrain.pth has 13 encoder weights the model has no '
            r"place for, e.g. \['stages.2.blocks.1."):
        downstream(path, arch=dict(embed_dims=32, depths=(1, 1, 1, 1), num_heads=(1, 2, 4, 8)))


def test_output_norms_of_stages_the_model_does_not_return_are_a_note(tmp_path, checkpoint):
    # A detection backbone (norm0-3) loaded into a classification one (norm3 only): the
    # per-output norms are not part of the feature extractor, the encoder is complete.
    path, _ = checkpoint
    detection = str(tmp_path / 'detection.pth')
    trained = downstream(path).state_dict()
    save_checkpoint_file(trained, detection)
    model = downstream(detection, prefix=None, out_indices=(3, ))
    for key, value in model.state_dict().items():
        assert torch.equal(value, trained[key]), key


def test_pretraining_only_tensors_are_a_note(checkpoint, monkeypatch):
    # A downstream backbone without the fixed sin-cos table loses no trained weight.
    path, _ = checkpoint
    messages = []
    monkeypatch.setattr(
        pretrained,
        'print_log',
        lambda msg, logger=None, level=logging.INFO: messages.append((level, msg)))
    model = MixMAESwinTransformer(arch='mini', img_size=128, window_size=(8, 8, 8, 4))
    del model.absolute_pos_embed
    missing, unexpected = pretrained.load_pretrained(model, path, 'backbone.')
    assert (missing, unexpected) == ([], ['absolute_pos_embed'])
    assert (logging.WARNING, "in the checkpoint but not used (pretraining only): "
            "['absolute_pos_embed']") in messages


class TinyBackbone(pretrained.LoudPretrainedMixin, BaseModule):
    """A backbone with a required layer, an optional output norm and a fresh init."""

    pretrained_optional_keys = ('out_norm.', )
    pretrained_ignored_keys = ('mask_token', )

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.proj = nn.Linear(4, 4)
        self.out_norm = nn.LayerNorm(4)

    def init_weights(self):
        super().init_weights()
        nn.init.constant_(self.out_norm.weight, 3.)
        self.fresh_inits = getattr(self, 'fresh_inits', 0) + 1


class TinyBackboneChild(TinyBackbone):
    """Overrides ``init_weights`` again: still one fresh init, then one load."""

    def init_weights(self):
        super().init_weights()
        nn.init.constant_(self.proj.bias, -1.)


def tiny_checkpoint(tmp_path, **extra):
    torch.manual_seed(1)
    state = {
        f'backbone.{k}': torch.randn_like(v)
        for k, v in TinyBackbone().state_dict().items() if not k.startswith('out_norm.')
    }
    state.update({f'backbone.{k}': v for k, v in extra.items()})
    path = str(tmp_path / 'tiny.pth')
    save_checkpoint_file(state, path)
    return path, state


@pytest.mark.parametrize('cls', [TinyBackbone, TinyBackboneChild])
def test_mixin_initialises_fresh_then_loads(tmp_path, cls):
    path, state = tiny_checkpoint(tmp_path, mask_token=torch.zeros(4))
    model = cls(init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    assert model.fresh_inits == 1
    assert torch.equal(model.proj.weight, state['backbone.proj.weight'])
    # The child's fresh init ran before the load, so the checkpoint's bias wins.
    assert torch.equal(model.proj.bias, state['backbone.proj.bias'])
    assert torch.equal(model.out_norm.weight, torch.full((4, ), 3.))  # optional: fresh
    assert model.is_init


def test_mixin_keeps_other_init_cfgs(tmp_path):
    path, state = tiny_checkpoint(tmp_path)
    model = TinyBackbone(init_cfg=[
        dict(type='Constant', layer='LayerNorm', val=5., bias=5.),
        dict(type='Pretrained', checkpoint=path)
    ])
    model.init_weights()
    assert torch.equal(model.proj.weight, state['backbone.proj.weight'])
    assert torch.equal(model.out_norm.bias, torch.full((4, ), 5.))
    assert model.init_cfg[1]['type'] == 'Pretrained'  # the config is left as it was


def test_mixin_refuses_unknown_checkpoint_weights(tmp_path):
    path, _ = tiny_checkpoint(tmp_path, decoder_pred=torch.zeros(2))
    model = TinyBackbone(init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(ValueError, match=r"tiny.pth has 1 encoder weights .*\['decoder_pred'\]"):
        model.init_weights()


def test_mixin_refuses_a_partial_checkpoint(tmp_path):
    path, state = tiny_checkpoint(tmp_path)
    del state['backbone.proj.bias']
    save_checkpoint_file(state, path)
    with pytest.raises(ValueError, match=r"lacks 1 encoder weights .*\['proj.bias'\]"):
        TinyBackbone(init_cfg=dict(type='Pretrained', checkpoint=path)).init_weights()


def test_pretrained_init_cfg_needs_a_checkpoint():
    with pytest.raises(KeyError, match='needs .checkpoint.'):
        TinyBackbone(init_cfg=dict(type='Pretrained')).init_weights()


def test_registered_checkpoint_format_is_converted(tmp_path, monkeypatch):
    path, state = tiny_checkpoint(tmp_path)
    foreign = {k.replace('backbone.proj.', 'encoder.fc.'): v for k, v in state.items()}
    save_checkpoint_file(foreign, path)

    def convert(state_dict, source):
        if not any(k.startswith('encoder.') for k in state_dict):
            return None
        return {k.replace('encoder.fc.', 'backbone.proj.'): v for k, v in state_dict.items()}

    monkeypatch.setitem(pretrained._CHECKPOINT_FORMATS, 'TinyBackbone', [convert])
    model = TinyBackboneChild(init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()  # found through the parent class's name
    assert torch.equal(model.proj.weight, state['backbone.proj.weight'])
