import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.hog import HOGTargetGenerator

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
PREPROCESSOR = dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True)
VIT_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
SWIN_ARCH = dict(embed_dims=16, depths=[1, 1, 2, 1], num_heads=[1, 1, 2, 2])


def vit_cfg(img=64, target='hog', **kwargs):
    cfg = dict(
        type='FastMIM',
        data_preprocessor=PREPROCESSOR,
        mask_unit=16,
        backbone=dict(
            type='FastMIMViT', arch=VIT_ARCH, img_size=img, patch_size=16, out_type='raw'),
        neck=dict(type='FastMIMDecoder', in_channels=32, out_channels=108, embed_dims=32),
        head=dict(type='FastMIMHead', patch_size=16))
    if target == 'hog':
        cfg['target_generator'] = dict(type='HOGTargetGenerator', token_stride=16)
    else:
        cfg['neck']['out_channels'] = 16 * 16 * 3
    cfg.update(kwargs)
    return cfg


def swin_cfg(img=128, window=8, stage4_window=4):
    return dict(
        type='FastMIM',
        data_preprocessor=PREPROCESSOR,
        mask_unit=32,
        backbone=dict(
            type='SwinTransformer',
            arch=SWIN_ARCH,
            img_size=img,
            window_size=window,
            stage_cfgs=[{}, {}, {}, dict(window_size=stage4_window)]),
        neck=dict(type='FastMIMDecoder', in_channels=128, out_channels=432, embed_dims=32),
        head=dict(type='FastMIMHead'),
        target_generator=dict(type='HOGTargetGenerator', token_stride=32))


def build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_vit_encoder_sees_only_mask_token_in_masked_pixels():
    torch.manual_seed(0)
    model = build(vit_cfg())
    x = torch.randn(2, 3, 64, 64)
    mask = torch.zeros(2, 4, 4, dtype=torch.bool)
    mask[0, 1, 2] = mask[1, 3, 0] = True
    masked = model.mask_inputs(x, mask)
    token = model.mask_token.view(3)
    block = masked[0, :, 16:32, 32:48]
    assert torch.equal(block, token.view(3, 1, 1).expand_as(block))
    # Everything else is the input, untouched.
    keep = torch.ones_like(x, dtype=torch.bool)
    keep[0, :, 16:32, 32:48] = keep[1, :, 48:64, 0:16] = False
    assert torch.equal(masked[keep], x[keep])
    # Changing the original content of masked pixels changes nothing the encoder sees.
    y = x.clone()
    y[0, :, 16:32, 32:48] += 5.
    assert torch.equal(model.mask_inputs(y, mask), masked)


def test_loss_uses_masked_tokens_only():
    torch.manual_seed(0)
    model = build(vit_cfg())
    x = torch.randn(2, 3, 64, 64)
    captured = {}
    original = model.head.loss

    def spy(pred, target, mask):
        captured.update(pred=pred, target=target, mask=mask)
        return original(pred, target, mask)

    model.head.loss = spy
    loss = model.loss(x, None)['loss']
    pred, target, mask = captured['pred'], captured['target'], captured['mask']
    assert pred.shape == target.shape == (2, 16, 108)
    assert (mask.sum(1) == 12).all()
    m = mask.bool()
    torch.testing.assert_close(loss, ((pred[m] - target[m])**2).mean())
    # The HOG target is computed on the unmasked image.
    torch.testing.assert_close(target, model.target_generator(x))


def test_mask_token_receives_gradient_and_target_does_not():
    torch.manual_seed(0)
    model = build(vit_cfg())
    model.loss(torch.randn(2, 3, 64, 64), None)['loss'].backward()
    assert model.mask_token.grad is not None and model.mask_token.grad.abs().sum() > 0
    assert not model.backbone.pos_embed.requires_grad


def test_vit_keeps_class_token_and_sincos_pos_embed_at_128():
    model = build(vit_cfg(img=128))
    assert model.backbone.pos_embed.shape == (1, 65, 32)
    assert model.backbone.pos_embed[0, 0].abs().sum() == 0
    from mixmim_mm.models.utils import sincos_pos_embed_2d
    torch.testing.assert_close(model.backbone.pos_embed[0, 1:], sincos_pos_embed_2d((8, 8), 32))
    assert model.loss(torch.randn(1, 3, 128, 128), None)['loss'].isfinite()


def test_pixel_target_is_normalised_per_patch():
    torch.manual_seed(0)
    model = build(vit_cfg(target='pixel'))
    assert not model.with_target_generator
    assert model.loss(torch.randn(2, 3, 64, 64), None)['loss'].isfinite()


def test_low_pass_target_in_the_pixel_variant():
    cfg = vit_cfg(target='pixel', target_generator=dict(type='LowPassTargetGenerator', radius=3))
    model = build(cfg)
    torch.testing.assert_close(model.target_generator.mean.flatten(),
                               model.data_preprocessor.mean.flatten())
    assert model.loss(torch.randn(2, 3, 64, 64), None)['loss'].isfinite()


def test_hog_statistics_come_from_data_preprocessor():
    model = build(vit_cfg())
    assert isinstance(model.target_generator, HOGTargetGenerator)
    torch.testing.assert_close(model.target_generator.std.flatten(),
                               model.data_preprocessor.std.flatten())


def test_swin_large_window_clipped_at_last_stage():
    # Window 8 at 128 px: stage 3 is 8x8 (one window, no shift), stage 4 is 4x4 < 8 and is
    # clipped to a 4x4 window without shift, as the Swin code does.
    model = build(swin_cfg())
    stages = model.backbone.stages
    assert [s.blocks[0].attn.window_size for s in stages] == [8, 8, 8, 4]
    x = torch.randn(2, 3, 128, 128)
    feats = model.backbone(x)
    assert feats[-1].shape == (2, 128, 4, 4)
    assert model.loss(x, None)['loss'].isfinite()


def test_swin_large_without_clipping_fails():
    model = build(swin_cfg(stage4_window=8))
    with pytest.raises(AssertionError, match='smaller than the window'):
        model.backbone(torch.randn(1, 3, 128, 128))


def test_swin_base_window4_at_128():
    model = build(swin_cfg(window=4, stage4_window=4))
    assert model.loss(torch.randn(2, 3, 128, 128), None)['loss'].isfinite()


def test_mask_unit_must_match_backbone_stride():
    cfg = vit_cfg(mask_unit=32)
    cfg['target_generator']['token_stride'] = 32
    cfg['neck']['out_channels'] = 432
    model = build(cfg)
    with pytest.raises(ValueError, match='stride of the last feature map'):
        model.loss(torch.randn(1, 3, 64, 64), None)


def test_target_stride_must_match_mask_unit():
    with pytest.raises(ValueError, match='token_stride=32 differs from mask_unit=16'):
        MODELS.build(vit_cfg(target_generator=dict(type='HOGTargetGenerator', token_stride=32)))


def test_input_not_divisible_by_mask_unit():
    model = build(vit_cfg())
    with pytest.raises(ValueError, match='mask_unit=16'):
        model.loss(torch.randn(1, 3, 72, 64), None)


def test_the_released_mask_block_key_still_works_with_a_warning():
    cfg = vit_cfg(mask_unit=16)
    del cfg['mask_unit']
    cfg['mask_block'] = 32
    cfg['target_generator']['token_stride'] = 32
    with pytest.warns(FutureWarning, match='`mask_block` is deprecated.*use `mask_unit`'):
        model = MODELS.build(cfg)
    assert model.mask_unit == 32


def test_mask_unit_and_a_different_mask_block_are_refused():
    with pytest.raises(ValueError, match='mask_unit=32 and the deprecated mask_block=16'):
        MODELS.build(vit_cfg(mask_unit=32, mask_block=16))


def test_pooled_backbone_output_is_clear_error():
    cfg = vit_cfg()
    cfg['backbone']['out_type'] = 'cls_token'
    with pytest.raises(ValueError, match="out_type='raw'"):
        build(cfg).loss(torch.randn(1, 3, 64, 64), None)


def test_vit_set_input_size_regenerates_the_sincos_table():
    from mixmim_mm.models.utils import set_backbone_input_size, sincos_pos_embed_2d
    model = build(vit_cfg(img=128))
    set_backbone_input_size(model.backbone, 160)
    assert model.backbone.pos_embed.shape == (1, 101, 32)
    torch.testing.assert_close(model.backbone.pos_embed[0, 1:], sincos_pos_embed_2d((10, 10), 32))
    assert model.loss(torch.randn(1, 3, 160, 160), None)['loss'].isfinite()


# The authors' initialisation (init_style='official', the default) against MMPretrain's.


def _xavier_std(weight):
    fan_out, fan_in = weight.shape[0], weight[0].numel()
    return (6 / (fan_in + fan_out))**0.5 / 3**0.5


def _encoder_linears(model):
    return [m for m in model.backbone.modules() if isinstance(m, torch.nn.Linear)]


@pytest.mark.parametrize('make_cfg', [vit_cfg, swin_cfg], ids=['vit', 'swin'])
def test_encoder_linear_layers_start_xavier_uniform(make_cfg):
    model = build(make_cfg())
    weights = torch.cat(
        [m.weight.flatten() / _xavier_std(m.weight) for m in _encoder_linears(model)])
    assert weights.std().item() == pytest.approx(1.0, rel=0.05)
    assert all(m.bias.abs().max() == 0 for m in _encoder_linears(model) if m.bias is not None)


def test_vit_patch_embedding_and_class_token_start_as_the_authors_code():
    model = build(vit_cfg())
    weight = model.backbone.patch_embed.projection.weight  # (32, 3, 16, 16): fan_in 768
    assert weight.std().item() == pytest.approx(_xavier_std(weight), rel=0.05)
    assert weight.abs().max().item() <= 3**0.5 * _xavier_std(weight)
    assert model.backbone.cls_token.std().item() == pytest.approx(0.02, rel=0.3)


def test_init_style_mmpretrain_keeps_the_encoders_own_init():
    cfg = vit_cfg(init_style='mmpretrain')
    cfg['backbone']['init_cfg'] = [dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.)]
    model = build(cfg)
    # The attention projections keep the init_cfg's truncated normal (MMPretrain's blocks
    # re-draw their FFN themselves, as before).
    weights = torch.cat([layer.attn.qkv.weight.flatten() for layer in model.backbone.layers])
    assert weights.std().item() == pytest.approx(0.02, rel=0.1)
    assert model.backbone.cls_token.abs().max() == 0


def test_a_pretrained_encoder_is_not_redrawn(tmp_path):
    source = build(vit_cfg())
    checkpoint = str(tmp_path / 'encoder.pth')
    torch.save(dict(state_dict=source.backbone.state_dict()), checkpoint)
    cfg = vit_cfg()
    cfg['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint=checkpoint)
    torch.manual_seed(1)
    loaded = build(cfg)
    for key, value in source.backbone.state_dict().items():
        torch.testing.assert_close(loaded.backbone.state_dict()[key], value, rtol=0, atol=0)


def test_an_unknown_init_style_is_refused():
    with pytest.raises(ValueError, match="init_style must be one of"):
        MODELS.build(vit_cfg(init_style='timm'))
