import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators import BaseTargetGenerator


def build(**kwargs):
    cfg = dict(
        type='MixMAE',
        num_images=4,
        mix_mode='group',
        backbone=dict(
            type='MixMAESwinTransformer', arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
        neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
        head=dict(type='MixMAEHead'))
    for key, value in kwargs.items():
        if isinstance(value, dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return MODELS.build(cfg)


@pytest.mark.parametrize('n', [1, 6])
def test_num_images_outside_2_to_5_is_rejected(n):
    with pytest.raises(ValueError, match='num_images must be in 2..5'):
        build(num_images=n)


def test_flip_mode_needs_two_images():
    with pytest.raises(ValueError, match="mix_mode='flip'"):
        build(num_images=4, mix_mode='flip')


def test_batch_not_divisible_by_num_images_names_the_setting():
    with pytest.raises(ValueError, match='num_images=4'):
        build().loss(torch.randn(6, 3, 128, 128))


def test_input_not_divisible_by_mask_unit_is_rejected():
    with pytest.raises(ValueError, match='mask_unit=32'):
        build().loss(torch.randn(4, 3, 112, 112))


def test_input_whose_stages_the_windows_do_not_tile_is_rejected():
    # 192 px is whole mask cells, but 8x8 windows do not tile stage 2's 12x12 map.
    with pytest.raises(ValueError, match='window_size 8 of stage 2 does not tile its 12x12'):
        build().loss(torch.randn(4, 3, 192, 192))


def test_neck_patch_size_must_match_mask_unit():
    with pytest.raises(ValueError, match='neck.patch_size=16'):
        build(neck=dict(patch_size=16))


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(num_images=2, mix_mode='flip'),
    dict(num_images=3, mix_mode='group'),
    dict(dual_reconstruction=False),
    dict(shared_mask=True),
    dict(backbone=dict(separation='mix_embedding')),
    dict(backbone=dict(separation='none')),
])
def test_loss_is_finite_and_trains(kwargs):
    model = build(**kwargs)
    n = model.num_images
    loss = model.loss(torch.randn(2 * n, 3, 128, 128))['loss']
    assert torch.isfinite(loss)
    loss.backward()
    assert model.backbone.patch_embed.proj.weight.grad.abs().sum() > 0


def test_training_through_sdpa_everywhere_matches_the_default_path():
    """attn_impl='sdpa' (SDPA also in CPU training) gives the default loss and gradients."""
    torch.manual_seed(0)
    default, sdpa = build(), build(backbone=dict(attn_impl='sdpa'))
    sdpa.load_state_dict(default.state_dict())
    inputs = torch.randn(8, 3, 128, 128)
    losses, grads = [], []
    for model in (default, sdpa):
        torch.manual_seed(1)  # the same mixing
        loss = model.loss(inputs)['loss']
        losses.append(loss)
        params = [p for p in model.backbone.parameters() if p.requires_grad]
        grads.append(torch.autograd.grad(loss, params))
    assert torch.allclose(losses[0], losses[1], atol=1e-6)
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-5)


def test_without_dual_reconstruction_only_image_0_is_decoded(monkeypatch):
    model = build(dual_reconstruction=False)
    seen = {}
    forward = model.neck.forward
    monkeypatch.setattr(
        model.neck, 'forward',
        lambda latent, ids, groups: seen.setdefault('g', groups) is not None and forward(
            latent, ids, groups))
    model.loss(torch.randn(4, 3, 128, 128))
    assert seen['g'].tolist() == [0]


class Identity(BaseTargetGenerator):

    def forward(self, images):
        return images


class HorizontalFlip(BaseTargetGenerator):

    def forward(self, images):
        return images.flip(-1)


def test_target_generator_replaces_the_target():
    torch.manual_seed(0)
    model = build()
    x = torch.randn(4, 3, 128, 128)
    torch.manual_seed(1)
    plain = model.loss(x)['loss']
    model.target_generator = Identity()
    torch.manual_seed(1)
    same = model.loss(x)['loss']
    model.target_generator = HorizontalFlip()
    torch.manual_seed(1)
    flipped = model.loss(x)['loss']
    assert torch.equal(plain, same) and not torch.allclose(plain, flipped)


def test_a_target_generator_outside_the_contract_is_refused_at_build():
    with pytest.raises(TypeError, match='target_generator must be a BaseTargetGenerator'):
        build(target_generator=torch.nn.Identity())


def test_reconstruct_returns_originals_mixture_and_reconstructions():
    model = build().eval()
    x = torch.randn(8, 3, 128, 128)
    out = model.reconstruct(x, generator=torch.Generator().manual_seed(0))
    assert out['originals'].shape == (2, 4, 3, 128, 128)
    assert out['reconstructions'].shape == (2, 4, 3, 128, 128)
    ids = out['group_ids']
    cell = ids[0, 1, 2].item()
    assert torch.equal(out['mixed'][0, :, 32:64, 64:96], out['originals'][0, cell, :, 32:64, 64:96])
