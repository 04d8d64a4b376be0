"""ConvMAEViTDense: ConvMAE's encoder as a stride 4/8/16/32 pyramid for mmdet / mmseg."""
import importlib

import pytest
import torch

import mixmim_mm  # noqa: F401
from mixmim_mm.models.backbones import ConvMAEViT, ConvMAEViTDense

TINY = dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2)


def test_returns_four_maps_at_strides_4_to_32():
    backbone = ConvMAEViTDense(arch=TINY, img_size=64)
    feats = backbone(torch.randn(2, 3, 64, 96))
    assert [tuple(f.shape) for f in feats] == [(2, 16, 16, 24), (2, 24, 8, 12), (2, 32, 4, 6),
                                               (2, 32, 2, 3)]
    assert backbone.out_channels == (16, 24, 32, 32)


def test_maps_match_the_plain_encoder_and_top_level_is_max_pooled():
    torch.manual_seed(0)
    dense = ConvMAEViTDense(arch=TINY, img_size=64).eval()
    plain = ConvMAEViT(
        arch=TINY, img_size=64, with_fusion=False, out_indices=(0, 1, 2),
        out_type='featmap').eval()
    plain.load_state_dict(dense.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        c2, c3, c4, c5 = dense(x)
        ref = plain(x)
    for got, want in zip((c2, c3, c4), ref):
        assert torch.allclose(got, want)
    assert torch.equal(c5, torch.nn.functional.max_pool2d(c4, 2))


def test_loads_a_pretraining_state_dict_except_the_fusion_convs():
    pretrain = ConvMAEViT(arch=TINY, img_size=32)  # other grid: pos_embed is resized
    dense = ConvMAEViTDense(arch=TINY, img_size=64, learnable_pos_embed=True)
    result = dense.load_state_dict(pretrain.state_dict(), strict=False)
    assert result.missing_keys == []
    assert sorted({k.split('.')[0]
                   for k in result.unexpected_keys}) == ['stage1_fusion', 'stage2_fusion']


@pytest.mark.parametrize('key', ['out_indices', 'out_type', 'with_fusion'])
def test_fixed_settings_are_rejected(key):
    with pytest.raises(ValueError, match=key):
        ConvMAEViTDense(arch=TINY, **{key: None})


def test_masked_forward_is_rejected():
    with pytest.raises(ValueError, match='masked pretraining'):
        ConvMAEViTDense(arch=TINY, img_size=32)(torch.randn(1, 3, 32, 32), mask=True)


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
def test_registered_in_the_downstream_registries(scope):
    registry = importlib.import_module(f'{scope}.registry')
    assert registry.MODELS.get('ConvMAEViTDense') is ConvMAEViTDense
