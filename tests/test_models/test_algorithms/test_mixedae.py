"""MixedAE: grouping and the 49-cell split, both mixing modes, losses and diagnostics."""
import copy

import pytest
import torch
from mmengine.model import BaseModel
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.models.utils import hidden_mask, normalize_patches, patchify

TINY = dict(
    type='MixedAE',
    backbone=dict(
        type='MixedAEViT',
        arch=dict(embed_dims=32, num_layers=3, num_heads=4, feedforward_channels=64),
        img_size=64),
    neck=dict(type='MixMAEDecoder', in_channels=32, embed_dims=16, depth=1, num_heads=2),
    head=dict(type='MixMAEHead', norm_pix=True),
    contrastive_head=dict(type='HomologousContrastiveHead', in_channels=32, proj_dims=16),
    data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[0, 0, 0], std=[1, 1, 1]))


def build(**kwargs):
    cfg = copy.deepcopy(TINY)
    for key, value in kwargs.items():
        if isinstance(value, dict) and key in cfg:
            cfg[key].update(value)
        else:
            cfg[key] = value
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_49_cells_split_13_12_12_12_with_the_extra_cell_drawn_at_random():
    model = build(backbone=dict(img_size=224))
    plan, group_ids = model.sample_mixing(torch.zeros(1, 1, 1, 1).expand(400, 3, 224, 224))
    assert group_ids.shape == (100, 7, 7)
    counts = torch.stack([(group_ids == g).flatten(1).sum(1) for g in range(4)], dim=1)
    assert (counts.sort(1).values == torch.tensor([12, 12, 12, 13])).all()
    assert set(counts.argmax(1).tolist()) == {0, 1, 2, 3}


def test_compose_mixes_each_group_once_and_full_mixes_it_n_times():
    compose, _ = build().sample_mixing(torch.zeros(8, 3, 64, 64))
    assert compose.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    full, ids = build(mix_mode='full').sample_mixing(torch.zeros(8, 3, 64, 64))
    assert full.tolist() == [[0, 1, 2, 3]] * 4 + [[4, 5, 6, 7]] * 4
    assert ids.shape == (8, 2, 2)


def test_mixed_image_keeps_each_patch_of_its_source_at_its_position():
    model = build()
    x = torch.randn(4, 3, 64, 64)
    plan, group_ids = model.sample_mixing(x)
    seen = []
    model.backbone.register_forward_hook(lambda m, args, out: seen.append(args))
    model.encode(x, plan, group_ids)
    mixed, patch_ids = seen[0]
    assert patch_ids.shape == (1, 4, 4)
    for i in range(4):
        for j in range(4):
            src = int(patch_ids[0, i, j])
            cell = (slice(None), slice(16 * i, 16 * i + 16), slice(16 * j, 16 * j + 16))
            assert torch.equal(mixed[0][cell], x[src][cell])


@pytest.mark.parametrize('mix_mode', ['compose', 'full'])
def test_loss_dict_has_both_parts_and_the_diagnostic_which_is_not_summed(mix_mode):
    model = build(mix_mode=mix_mode)
    model.train()
    losses = model.loss(torch.randn(8, 3, 64, 64))
    assert sorted(losses) == ['loss_homocon', 'loss_rec', 'topk_acc_layer2', 'topk_acc_layer3']
    total, log_vars = BaseModel.parse_losses(model, losses)
    assert torch.allclose(total, losses['loss_rec'] + losses['loss_homocon'])
    assert 'topk_acc_layer2' in log_vars
    total.backward()
    assert model.contrastive_head.projector.weight.grad.abs().sum() > 0
    assert model.backbone.layers[2].attn.qkv.weight.grad.abs().sum() > 0


def test_no_contrastive_head_is_the_recon_only_control():
    model = build(contrastive_head=None)
    model.train()
    assert 'loss_homocon' not in model.loss(torch.randn(4, 3, 64, 64))


def test_reconstruction_counts_only_each_images_missing_positions(monkeypatch):
    model = build()
    x = torch.randn(8, 3, 64, 64)
    plan, group_ids = model.sample_mixing(x)
    monkeypatch.setattr(model, 'sample_mixing', lambda inputs: (plan, group_ids))
    patch_ids = group_ids.repeat_interleave(2, 1).repeat_interleave(2, 2)
    groups = torch.arange(4)
    target = normalize_patches(patchify(x, 16))[plan]  # (M, N, L, 768)
    hidden = hidden_mask(patch_ids.flatten(1), groups)[..., None].bool()
    perfect_where_missing = torch.where(hidden, target, target + 5.)

    class Oracle(torch.nn.Module):

        def forward(self, latent, ids, grps):
            assert torch.equal(ids, patch_ids) and torch.equal(grps, groups)
            return perfect_where_missing

    model.neck = Oracle()
    assert model.loss(x)['loss_rec'].item() == pytest.approx(0., abs=1e-6)
    model.neck.forward = lambda *a: torch.where(hidden, target + 1., target)
    assert model.loss(x)['loss_rec'].item() == pytest.approx(1., abs=1e-5)


def test_topk_ratio_defaults_to_one_over_num_images():
    assert build(num_images=2).backbone.topk_ratio == 0.5
    assert build().backbone.topk_ratio == 0.25


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match='num_images'):
        build(num_images=1)
    with pytest.raises(ValueError, match='mix_mode'):
        build(mix_mode='flip')
    with pytest.raises(ValueError, match='mask_unit=24 must be a multiple of the encoder stride'):
        build(backbone=dict(mask_unit=24))
    with pytest.raises(ValueError, match='batch size divisible'):
        build().loss(torch.randn(6, 3, 64, 64))
    with pytest.raises(ValueError, match='mask_unit'):
        build().loss(torch.randn(4, 3, 48, 48))


def test_the_mixing_grid_is_the_encoders():
    model = build(backbone=dict(img_size=96, mask_unit=48))
    assert model.mask_unit == 48 and model.neck.grid_size == (6, 6)
    plan, group_ids = model.sample_mixing(torch.zeros(4, 3, 96, 96))
    assert group_ids.shape == (1, 2, 2)


def test_the_released_model_level_mask_unit_moves_to_the_encoder_with_a_warning():
    with pytest.warns(FutureWarning, match='`mask_unit` is deprecated.*`backbone.mask_unit`'):
        model = build(mask_unit=64)
    assert model.backbone.mask_unit == 64
    with pytest.raises(ValueError, match='backbone.mask_unit=32 and the deprecated mask_unit=64'):
        build(mask_unit=64, backbone=dict(mask_unit=32))
