import copy
import math

import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.low_pass import LowPassTargetGenerator

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
IMG, PATCH = 32, 8
ARCH = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)


def tiny_cfg(algo, backbone='MAEViT', radius=4, **backbone_kwargs):
    cfg = dict(
        type=algo,
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True),
        backbone=dict(
            type=backbone,
            arch=ARCH,
            img_size=IMG,
            patch_size=PATCH,
            mask_ratio=0.75,
            **backbone_kwargs),
        neck=dict(
            type='MAEPretrainDecoder',
            num_patches=(IMG // PATCH)**2,
            patch_size=PATCH,
            in_chans=3,
            embed_dim=32,
            decoder_embed_dim=16,
            decoder_depth=1,
            decoder_num_heads=2,
            mlp_ratio=2),
        head=dict(
            type='MAEPretrainHead',
            norm_pix=True,
            patch_size=PATCH,
            loss=dict(type='PixelReconstructionLoss', criterion='L2')))
    if algo.startswith('PixMIM'):
        cfg['target_generator'] = dict(type='LowPassTargetGenerator', radius=radius)
    return cfg


# LSMAE is MAE with a grouped-masking encoder (PixMIM Table 2 "PixMIM_LSMAE"): 2x2 groups of
# the 4x4 patch grid here, so its 4 visible patches are exactly one group.
HOSTS = [('PixMIM', 'MAE', 'MAEViT', {}),
         ('PixMIMMFF', 'MFF', 'MFFViT', dict(out_indices=[0, 1, 3])),
         ('PixMIM', 'MAE', 'LSMAEViT', dict(mask_unit=2 * PATCH))]


def build_pair(pix, host, backbone, kwargs, radius=4):
    torch.manual_seed(0)
    pixmim = MODELS.build(tiny_cfg(pix, backbone, radius=radius, **kwargs))
    pixmim.init_weights()
    plain = MODELS.build(tiny_cfg(host, backbone, **kwargs))
    plain.load_state_dict(pixmim.state_dict())
    return pixmim.eval(), plain.eval()


def batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(2, 3, IMG, IMG, generator=g)


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_loss_equals_host_loss_on_filtered_target(pix, host, backbone, kwargs):
    pixmim, plain = build_pair(pix, host, backbone, kwargs)
    x = batch()
    torch.manual_seed(7)
    losses = pixmim.loss(x, None)
    # The host path, run by hand with the same mask seed, given the filtered image as target.
    torch.manual_seed(7)
    out = plain.backbone(x)
    latent, mask, ids_restore = out[:3]
    if backbone == 'LSMAEViT':
        # The host's own masking ran: every 2x2 group of patches is masked or kept as a whole.
        groups = mask.reshape(2, 2, 2, 2, 2).permute(0, 1, 3, 2, 4).reshape(2, 4, 4)
        assert (groups == groups[..., :1]).all()
    pred = plain.neck(latent, ids_restore)
    target = pixmim.target_generator(x)
    expected = plain.head.loss(pred, target, mask)
    torch.testing.assert_close(losses['loss'], expected, atol=0, rtol=0)
    # The filtered target is what makes the difference: the plain target gives another loss.
    assert not torch.allclose(losses['loss'], plain.head.loss(pred, x, mask))


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_identity_filter_reproduces_host_loss(pix, host, backbone, kwargs):
    # With a radius past the spectrum corner the target is the input: the host's own loss.
    pixmim, plain = build_pair(pix, host, backbone, kwargs, radius=math.hypot(IMG, IMG))
    x = batch(1)
    torch.manual_seed(3)
    pix_losses = pixmim.loss(x, None)
    torch.manual_seed(3)
    host_losses = plain.loss(x, None)
    assert pix_losses.keys() == host_losses.keys()
    for key in host_losses:
        torch.testing.assert_close(pix_losses[key], host_losses[key], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_low_pass_target_changes_the_loss(pix, host, backbone, kwargs):
    pixmim, plain = build_pair(pix, host, backbone, kwargs, radius=2)
    x = batch(2)
    torch.manual_seed(5)
    pix_loss = pixmim.loss(x, None)['loss']
    torch.manual_seed(5)
    host_loss = plain.loss(x, None)['loss']
    assert torch.isfinite(pix_loss) and not torch.allclose(pix_loss, host_loss)


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_statistics_come_from_data_preprocessor(pix, host, backbone, kwargs):
    model = MODELS.build(tiny_cfg(pix, backbone, **kwargs))
    gen = model.target_generator
    torch.testing.assert_close(gen.mean.flatten(), torch.tensor(MEAN))
    torch.testing.assert_close(gen.std.flatten(), torch.tensor(STD))


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_default_target_generator_is_radius_40(pix, host, backbone, kwargs):
    cfg = tiny_cfg(pix, backbone, **kwargs)
    cfg.pop('target_generator')
    model = MODELS.build(cfg)
    assert isinstance(model.target_generator, LowPassTargetGenerator)
    assert model.target_generator.radius == 40


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_given_target_generator_replaces_the_default(pix, host, backbone, kwargs):
    model = MODELS.build(tiny_cfg(pix, backbone, radius=7, **kwargs))
    assert model.target_generator.radius == 7


def test_preprocessor_without_normalization_means_pixel_space():
    cfg = tiny_cfg('PixMIM')
    cfg['data_preprocessor'] = dict(type='SelfSupDataPreprocessor')
    model = MODELS.build(cfg)
    assert model.target_generator.mean is None


def test_conflicting_generator_statistics_raise():
    cfg = tiny_cfg('PixMIM')
    cfg['target_generator'].update(mean=[0., 0., 0.], std=[1., 1., 1.])
    with pytest.raises(ValueError, match='data_preprocessor'):
        MODELS.build(cfg)
    # Matching statistics are accepted.
    cfg = tiny_cfg('PixMIM')
    cfg['target_generator'].update(mean=MEAN, std=STD)
    MODELS.build(copy.deepcopy(cfg))


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_state_dict_keys_match_host(pix, host, backbone, kwargs):
    pixmim, plain = build_pair(pix, host, backbone, kwargs)
    assert pixmim.state_dict().keys() == plain.state_dict().keys()


@pytest.mark.parametrize('pix,host,backbone,kwargs', HOSTS)
def test_backward_through_train_step(pix, host, backbone, kwargs):
    model = MODELS.build(tiny_cfg(pix, backbone, **kwargs))
    # A default_collate batch: stacked uint8 images.
    data = dict(
        inputs=torch.randint(0, 256, (2, 3, IMG, IMG), dtype=torch.uint8), data_samples=None)
    processed = model.data_preprocessor(data, training=True)
    losses = model(**processed, mode='loss')
    losses['loss'].backward()
    grads = [p.grad for p in model.backbone.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
