"""PixMIM on MixMAE: the config builds, trains through the Runner, and only swaps the target."""
import copy
import math
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.low_pass import LowPassTargetGenerator

ROOT = Path(__file__).parents[2]
PIXMIM_MIXMAE = ROOT / 'configs/pixmim/pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'
MIXMAE = ROOT / 'configs/mixmae/mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

# Same structure as Swin-B/W14 at toy widths: 128 px = 4 x 4 mask cells of 32 px.
TINY = dict(
    backbone=dict(arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
    neck=dict(in_channels=256, embed_dims=32, depth=1, num_heads=2))


def tiny_model_cfg(cfg):
    model = copy.deepcopy(cfg.model)
    for key, override in TINY.items():
        model[key].update(override)
    # The Runner hands the top-level data_preprocessor to the model the same way.
    model.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    return model


def build(cfg_dict):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        return MODELS.build(cfg_dict)


def test_config_only_changes_target_and_crop():
    cfg, base = Config.fromfile(str(PIXMIM_MIXMAE)), Config.fromfile(str(MIXMAE))
    assert cfg.custom_imports['imports'] == ['mixmim_mm']
    assert cfg.model.target_generator == dict(type='LowPassTargetGenerator', radius=40)
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert types == ['LoadImageFromFile', 'SimpleResizedCrop', 'PackInputs']
    # Everything else is the MixMAE recipe.
    model = copy.deepcopy(cfg.model)
    model.pop('target_generator')
    assert model == base.model
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'data_preprocessor',
                'auto_scale_lr', 'randomness'):
        assert cfg[key] == base[key], key
    assert cfg.train_dataloader.batch_size == base.train_dataloader.batch_size


def test_config_builds_model_and_pipeline(tmp_path):
    cfg = Config.fromfile(str(PIXMIM_MIXMAE))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = build(model_cfg)
    assert type(model).__name__ == 'MixMAE' and model.num_images == 4
    assert isinstance(model.target_generator, LowPassTargetGenerator)
    assert model.target_generator.radius == 40
    torch.testing.assert_close(model.target_generator.mean.flatten(),
                               model.data_preprocessor.mean.flatten())
    torch.testing.assert_close(model.target_generator.std.flatten(),
                               model.data_preprocessor.std.flatten())
    path = tmp_path / 'img.png'
    mmcv.imwrite(
        np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8), str(path))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        packed = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))(
            dict(img_path=str(path)))
    assert tuple(packed['inputs'].shape) == (3, 224, 224)


@pytest.mark.slow
@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_runner_iterations_give_finite_loss(precision, shipped_runner):
    runner, steps = shipped_runner(str(PIXMIM_MIXMAE), precision)
    runner.train()
    assert runner.iter == steps
    # --fp32 gives a plain OptimWrapper, which has no precision attribute.
    assert getattr(runner.optim_wrapper, 'precision', 'fp32') == precision
    assert isinstance(runner.model.target_generator, LowPassTargetGenerator)
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0


@pytest.fixture
def twin_models():
    """The tiny PixMIM-MixMAE and plain MixMAE with the same weights and the same mixing."""
    torch.manual_seed(0)
    pixmim = build(tiny_model_cfg(Config.fromfile(str(PIXMIM_MIXMAE))))
    plain = build(tiny_model_cfg(Config.fromfile(str(MIXMAE))))
    assert not plain.with_target_generator
    # The low-pass generator has no parameters, so the two state dicts hold the same keys.
    plain.load_state_dict(pixmim.state_dict(), strict=True)
    mixing = pixmim.sample_mixing(torch.zeros(8, 3, 128, 128), torch.Generator().manual_seed(0))
    for model in (pixmim, plain):
        model.sample_mixing = lambda inputs, generator=None: mixing
        model.eval()  # no dropout / drop path; the loss path is the same as in training
    return pixmim, plain


def capture_predictions(model):
    preds = []
    model.neck.register_forward_hook(lambda module, args, out: preds.append(out.detach()))
    return preds


def test_pixmim_loss_is_mixmae_loss_with_the_filtered_target(twin_models):
    pixmim, plain = twin_models
    images = torch.randn(8, 3, 128, 128)
    pixmim_preds, plain_preds = capture_predictions(pixmim), capture_predictions(plain)

    loss_pixmim = pixmim.loss(images)['loss']
    loss_plain = plain.loss(images)['loss']
    # Same forward: the encoder sees the unfiltered images in both models.
    torch.testing.assert_close(pixmim_preds[0], plain_preds[0])

    # The plain model scored against the low-pass images gives the PixMIM loss ...
    plan, group_ids = plain.sample_mixing(images)
    groups = plain.decoded_groups(images.device)
    filtered = LowPassTargetGenerator(radius=40)
    filtered.set_normalization(plain.data_preprocessor.mean, plain.data_preprocessor.std)
    sources = plan[:, groups]  # batch index of the image each reconstruction rebuilds
    loss_plain_filtered = plain.head.loss(plain_preds[0], filtered(images), sources, group_ids,
                                          groups)
    torch.testing.assert_close(loss_pixmim, loss_plain_filtered)
    # ... and the target is really different from the raw images.
    assert not torch.allclose(loss_pixmim, loss_plain)
    torch.testing.assert_close(loss_plain,
                               plain.head.loss(plain_preds[0], images, sources, group_ids, groups))
