"""Loud OpenMMLab backbones: every weight is taken, tables are resized, losses raise."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.models.utils.pos_embed import resize_rel_pos_bias_table

SWIN = dict(embed_dims=8, depths=[1, 1, 2, 1], num_heads=[1, 1, 2, 2])
VIT = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def save(model, path):
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in model.state_dict().items()}}, path)
    return str(path)


def test_swin_window4_checkpoint_fills_window7_model(tmp_path):
    torch.manual_seed(0)
    source = MODELS.build(dict(type='SwinTransformer', arch=SWIN, img_size=128, window_size=4))
    source.init_weights()
    path = save(source, tmp_path / 'pre.pth')
    model = MODELS.build(
        dict(
            type='LoudSwinTransformer',
            arch=SWIN,
            img_size=224,
            window_size=7,
            init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.')))
    model.init_weights()
    ours, theirs = model.state_dict(), source.state_dict()
    for key, value in theirs.items():
        if key.endswith('relative_position_index'):
            continue
        if key.endswith('relative_position_bias_table'):
            assert ours[key].shape[0] == 13 * 13
            torch.testing.assert_close(ours[key], resize_rel_pos_bias_table(value, (7, 7)))
        else:
            torch.testing.assert_close(ours[key], value, msg=key)


def test_swin_missing_stage_raises(tmp_path):
    source = MODELS.build(dict(type='SwinTransformer', arch=SWIN, window_size=4, img_size=128))
    path = save(source, tmp_path / 'pre.pth')
    deeper = dict(SWIN, depths=[1, 1, 2, 2])
    model = MODELS.build(
        dict(
            type='LoudSwinTransformer',
            arch=deeper,
            window_size=7,
            init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(ValueError, match='lacks'):
        model.init_weights()


def test_vit_8x8_position_table_interpolated_to_14x14(tmp_path):
    source = MODELS.build(dict(type='FastMIMViT', arch=VIT, img_size=128, out_type='raw'))
    source.init_weights()
    path = save(source, tmp_path / 'pre.pth')
    model = MODELS.build(
        dict(
            type='LoudVisionTransformer',
            arch=VIT,
            img_size=224,
            out_type='avg_featmap',
            final_norm=False,
            init_cfg=dict(type='Pretrained', checkpoint=path)))
    model.init_weights()
    assert model.pos_embed.shape == (1, 197, 32)
    torch.testing.assert_close(model.layers[1].attn.qkv.weight, source.layers[1].attn.qkv.weight)
    torch.testing.assert_close(model.pos_embed[:, 0], source.pos_embed[:, 0])


def test_pvt_returns_a_tuple_and_loads_loudly(tmp_path):
    cfg = dict(
        type='LoudPyramidVisionTransformerV2',
        embed_dims=8,
        num_layers=[1, 1, 1, 1],
        out_indices=(3, ))
    source = MODELS.build(cfg)
    path = save(source, tmp_path / 'pre.pth')
    model = MODELS.build(dict(cfg, init_cfg=dict(type='Pretrained', checkpoint=path)))
    model.init_weights()
    out = model(torch.zeros(1, 3, 64, 64))
    assert isinstance(out, tuple) and out[0].shape == (1, 64, 2, 2)
    wider = MODELS.build(
        dict(cfg, embed_dims=16, init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(ValueError, match='does not fit'):
        wider.init_weights()
