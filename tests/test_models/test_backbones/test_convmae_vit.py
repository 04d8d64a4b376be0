"""Tests of ConvMAE's hybrid encoder (``ConvMAEViT``)."""
import pytest
import torch
from mmengine.analysis import FlopAnalyzer

from mixmim_mm.models.backbones.convmae_vit import ConvMAEViT, MaskedConvBlock
from mixmim_mm.utils import get_flops_params

TINY = dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2)


def tiny(**kwargs) -> ConvMAEViT:
    kwargs.setdefault('img_size', 64)
    model = ConvMAEViT(arch=TINY, **kwargs)
    model.init_weights()
    return model.eval()


def pixel_mask(mask: torch.Tensor, grid) -> torch.Tensor:
    """(B, L) token mask -> (B, 1, H, W) boolean pixel mask of 16x16 blocks."""
    b = mask.shape[0]
    m = mask.reshape(b, 1, *grid).bool()
    return m.repeat_interleave(16, 2).repeat_interleave(16, 3)


def masked_pair(model, seed=0):
    """Latents of an image and of a copy whose masked 16x16 blocks are replaced by noise."""
    x = torch.randn(2, 3, 64, 64)
    torch.manual_seed(seed)
    latent, mask, _ = model(x, mask=True)
    x2 = torch.where(pixel_mask(mask, (4, 4)), 5 * torch.randn_like(x), x)
    torch.manual_seed(seed)
    latent2, mask2, _ = model(x2, mask=True)
    assert torch.equal(mask, mask2)
    return latent, latent2


def test_masked_forward_keeps_a_quarter_of_the_blocks():
    model = tiny()
    latent, mask, ids_restore = model(torch.randn(2, 3, 64, 64), mask=True)
    assert latent.shape == (2, 4, 32)  # 16 blocks of 16x16 px, 25% visible
    assert mask.shape == (2, 16)
    assert mask.sum(dim=1).tolist() == [12.0, 12.0]
    assert torch.equal(ids_restore.sort(dim=1).values, torch.arange(16).expand(2, -1))


def test_masked_convolution_hides_masked_pixels():
    """Visible-token features do not change when the pixels of masked blocks change."""
    latent, latent2 = masked_pair(tiny())
    torch.testing.assert_close(latent2, latent, rtol=0, atol=1e-6)


def test_without_masked_convolution_masked_pixels_leak(monkeypatch):
    """Control for the test above: ignoring the visibility map makes the features leak."""
    original = MaskedConvBlock.forward
    monkeypatch.setattr(
        MaskedConvBlock, 'forward', lambda self, x, visible=None: original(self, x, None))
    latent, latent2 = masked_pair(tiny())
    assert (latent2 - latent).abs().max() > 1e-3


def test_unmasked_forward_returns_requested_stages():
    model = tiny(out_indices=(0, 1, 2), out_type='featmap')
    outs = model(torch.randn(2, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 16, 24), (2, 24, 8, 12), (2, 32, 4, 6)]


def test_avg_featmap_without_final_norm_uses_fc_norm():
    model = tiny(out_type='avg_featmap', final_norm=False, with_fusion=False)
    assert not hasattr(model, 'norm') and hasattr(model, 'fc_norm')
    (pooled, ) = model(torch.randn(2, 3, 64, 64))
    assert pooled.shape == (2, 32)


def test_masked_forward_requires_fusion_and_norm():
    model = tiny(with_fusion=False)
    with pytest.raises(RuntimeError, match='with_fusion'):
        model(torch.randn(1, 3, 64, 64), mask=True)


@pytest.mark.parametrize('kwargs, match', [
    (dict(img_size=72), 'divisible'),
    (dict(mask_ratio=1.0), 'mask_ratio'),
    (dict(out_type='cls_token'), 'out_type'),
    (dict(out_indices=(3, )), 'out_indices'),
])
def test_bad_settings_fail_at_build(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConvMAEViT(arch=TINY, **kwargs)


def test_bad_input_size_names_the_stride():
    with pytest.raises(ValueError, match='divisible by 16'):
        tiny()(torch.randn(1, 3, 72, 64))


def test_unknown_arch_is_rejected():
    with pytest.raises(ValueError, match='unknown arch'):
        ConvMAEViT(arch='giant')


def test_checkpoint_from_another_input_size_loads():
    src = tiny(img_size=64)  # 4x4 grid
    dst = tiny(img_size=128, learnable_pos_embed=True)  # 8x8 grid
    dst.load_state_dict(src.state_dict())
    assert dst.pos_embed.shape == (1, 64, 32)


def test_layer_depth_follows_the_authors_lr_decay_groups():
    model = tiny()
    num = model.num_layers + 2
    assert model.get_layer_depth('backbone.stage1.0.conv1.weight', 'backbone.') == (0, num)
    assert model.get_layer_depth('backbone.pos_embed', 'backbone.') == (0, num)
    assert model.get_layer_depth('backbone.layers.1.attn.qkv.weight', 'backbone.') == (2, num)
    assert model.get_layer_depth('head.fc.weight', 'backbone.') == (num - 1, num)


def test_frozen_encoder_has_no_trainable_parameters():
    model = tiny(frozen_stages=3, out_type='avg_featmap', with_fusion=False)
    model.train()
    assert not any(p.requires_grad for p in model.parameters())
    assert not model.layers.training and not model.stage1.training


def test_convmae_base_parameter_count_matches_the_authors():
    """ConvMAE-Base has 88M parameters, as its authors report.

    Source: github.com/Alpha-VL/ConvMAE, README.md, table "Main Results on ImageNet-1K", row
    ``| ConvMAE-B | 88 | RGB | 25% | 1600 | 85.0 | 70.9 | ...`` (column "#Params(M)"; also
    FINETUNE.md "Model Zoo"). The encoder as used in pretraining (``models_convmae.py``,
    ``convmae_convvit_base_patch16``: dims 256/384/768, depths 2/2/11, 12 heads, including
    the two multi-scale fusion convolutions) has 88,932,736 parameters (+1.1%). Note that
    the fine-tuned classifier (no fusion convolutions, 1000-way head) has 85,374,824, 3.0%
    below the rounded "88" that the same table gives to every ViT-B-sized model.
    """
    model = ConvMAEViT(arch='b')
    count = sum(p.numel() for p in model.parameters())
    assert count == 88_932_736
    assert abs(count / 88e6 - 1) < 0.03


def _sdpa_flops(inputs, outputs):
    """MACs of softmax(QK^T)V: two (Lq x D) by (D x Lk) products per head."""
    q, k = inputs[0].type().sizes(), inputs[1].type().sizes()
    batch_heads = q[0] * q[1]
    return 2 * batch_heads * q[2] * k[2] * q[3]


@pytest.mark.slow
def test_convmae_base_flops_match_the_analytic_count():
    """ConvMAE-Base classifier encoder at 224 px: 23.08 GFLOPs (multiply-accumulates).

    The authors publish no encoder FLOPs (their README/FINETUNE.md give only #Params = 88M
    for ImageNet; FLOPs only for whole detectors, 0.9T, and segmenters, 0.6T), so this checks
    mmengine's count against a hand count of every convolution, linear layer and attention
    product of the architecture in the authors' ``models_convvit.py`` (norms, activations
    and additions excluded). mmengine does not count fused attention, so a handle is added.
    """
    model = ConvMAEViT(arch='b', with_fusion=False, out_type='avg_featmap', final_norm=False)
    model.eval()
    analyzer = FlopAnalyzer(model, (torch.randn(1, 3, 224, 224), ))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', _sdpa_flops)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    counted = analyzer.total() - analyzer.by_operator().get('layer_norm', 0)

    def stage_block(dims, positions):  # 1x1, 5x5 depth-wise, 1x1, MLP x4
        return positions * (2 * dims * dims + 25 * dims + 2 * 4 * dims * dims)

    tokens = 14 * 14
    expected = (
        56 * 56 * 3 * 16 * 256 + 2 * stage_block(256, 56 * 56)  # stage 1
        + 28 * 28 * 256 * 4 * 384 + 2 * stage_block(384, 28 * 28)  # stage 2
        + tokens * 384 * 4 * 768 + tokens * 768 * 768  # stage-3 embedding + projection
        + 11 * (
            tokens * 768 * 3 * 768 + 2 * tokens * tokens * 768  # qkv, attention
            + tokens * 768 * 768 + 2 * tokens * 768 * 4 * 768))  # proj, MLP
    assert counted == expected
    assert abs(expected / 1e9 - 23.08) < 0.01


class _MaskedEncoder(torch.nn.Module):
    """The pretraining forward ``encoder(x, mask=True)`` as a module the tracer can call."""

    def __init__(self, encoder: ConvMAEViT):
        super().__init__()
        self.encoder = encoder

    def forward(self, x):
        return self.encoder(x, mask=True)[0]


@pytest.mark.slow
def test_convmae_base_masked_encoder_flops_match_the_readme():
    """Masked ConvMAE-Base pretraining encoder, 224 px, mask ratio 0.75: 11.9 GFLOPs.

    The number stated in configs/convmae/README.md, measured with the repo's counter
    (``get_flops_params``, multiply-accumulates). Stages 1-2 and the two fusion convolutions
    run on the full image (masked convolution zeroes inputs, it does not skip positions), the
    11 transformer blocks on the 49 visible tokens only. The hand count below (as in the
    classifier test, from the authors' ``models_convmae.py``) gives 11.87 G; mmengine adds
    5 FLOPs per LayerNorm element (fvcore's norm rule), 0.03 G, for 11.91 G in all.
    """
    model = _MaskedEncoder(ConvMAEViT(arch='b', mask_ratio=0.75)).eval()
    x = torch.randn(1, 3, 224, 224)
    assert model(x).shape == (1, 49, 768)
    flops, _ = get_flops_params(model, (x, ))

    def stage_block(dims, positions):  # 1x1, 5x5 depth-wise, 1x1, MLP x4
        return positions * (2 * dims * dims + 25 * dims + 2 * 4 * dims * dims)

    tokens, visible = 14 * 14, 49
    macs = (
        56 * 56 * 3 * 16 * 256 + 2 * stage_block(256, 56 * 56)  # stage 1, full image
        + 28 * 28 * 256 * 4 * 384 + 2 * stage_block(384, 28 * 28)  # stage 2, full image
        + tokens * 384 * 4 * 768 + tokens * 768 * 768  # stage-3 embedding + projection
        + tokens * 256 * 16 * 768 + tokens * 384 * 4 * 768  # fusion convolutions 4x4, 2x2
        + 11 * (
            visible * 768 * 3 * 768 + 2 * visible * visible * 768  # qkv, attention
            + visible * 768 * 768 + 2 * visible * 768 * 4 * 768))  # proj, MLP
    norm_elements = (
        5 * 56 * 56 * 256 + 5 * 28 * 28 * 384  # embedding + 2 per conv block
        + tokens * 768 + (2 * 11 + 1) * visible * 768)  # stage-3 embedding, ViT
    assert flops == macs + 5 * norm_elements
    assert abs(macs / 1e9 - 11.87) < 0.01
    assert abs(flops / 11.9e9 - 1) < 0.03


def test_fine_tuning_encoder_loads_every_pretrained_weight(tmp_path):
    from mixmim_mm.converters import save_checkpoint_file
    pretrain = tiny()
    path = str(tmp_path / 'pretrain.pth')
    save_checkpoint_file({f'backbone.{k}': v for k, v in pretrain.state_dict().items()}, path)
    finetune = ConvMAEViT(
        arch=TINY,
        img_size=96,
        with_fusion=False,
        final_norm=False,
        out_type='avg_featmap',
        init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    finetune.init_weights()
    source = pretrain.state_dict()
    for key, value in finetune.state_dict().items():
        if key == 'pos_embed':  # resized from the 4x4 to the 6x6 grid
            assert value.shape == (1, 36, 32)
        elif not key.startswith('fc_norm.'):
            assert torch.equal(value, source[key]), key


def test_fine_tuning_from_an_incomplete_checkpoint_raises(tmp_path):
    from mixmim_mm.converters import save_checkpoint_file
    state = {
        f'backbone.{k}': v
        for k, v in tiny().state_dict().items() if not k.startswith('layers.0.')
    }
    path = str(tmp_path / 'partial.pth')
    save_checkpoint_file(state, path)
    model = ConvMAEViT(
        arch=TINY,
        img_size=64,
        init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    with pytest.raises(ValueError, match=r'partial.pth lacks \d+ encoder weights'):
        model.init_weights()
