"""``init_cfg=dict(type='Pretrained')`` on MixMAESwinTransformer loads loudly and completely."""
import logging

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import pretrained_init, save_checkpoint_file
from mixmim_mm.models.backbones import MixMAESwinTransformer


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='MixMAE', num_images=2,
        backbone=dict(type='MixMAESwinTransformer', arch='mini', img_size=128,
                      window_size=(8, 8, 8, 4)),
        neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
        head=dict(type='MixMAEHead', norm_pix=True,
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
    monkeypatch.setattr(pretrained_init, 'print_log',
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
    assert torch.allclose(model.absolute_pos_embed.view(1, 64, 64, 32).permute(0, 3, 1, 2),
                          expected, atol=1e-6)
    x = torch.randn(1, 3, 256, 256)
    assert [f.shape[-1] for f in model(x)] == [64, 32, 16, 8]


def test_missing_encoder_weights_raise(tmp_path, checkpoint):
    _, state = checkpoint
    broken = {k: v for k, v in state.items() if 'stages.1.blocks.0.attn.qkv' not in k}
    path = str(tmp_path / 'broken.pth')
    save_checkpoint_file(broken, path)
    with pytest.raises(ValueError, match=r'(?s)broken.pth.*missing.*stages.1.blocks.0.attn.qkv'):
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
    with pytest.raises(ValueError, match=r'pretrain.pth has 13 encoder weights the model has no '
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
    monkeypatch.setattr(pretrained_init, 'print_log',
                        lambda msg, logger=None, level=logging.INFO: messages.append((level, msg)))
    model = MixMAESwinTransformer(arch='mini', img_size=128, window_size=(8, 8, 8, 4))
    del model.absolute_pos_embed
    missing, unexpected = pretrained_init.load_pretrained_backbone(model, path, 'backbone.')
    assert (missing, unexpected) == ([], ['absolute_pos_embed'])
    assert (logging.WARNING, "in the checkpoint but not used (pretraining only): "
            "['absolute_pos_embed']") in messages
