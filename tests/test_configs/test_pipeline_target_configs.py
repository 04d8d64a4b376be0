"""Configs with the low-pass target in the data pipeline: build, match their model-side twin,
and train 2 Runner iterations with dataloader workers computing the target."""
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
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.data_sample_target import DataSampleTarget

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'pixmim'
KEY = 'low_pass_target'
# Pipeline-side config -> its model-side twin.
TWINS = {
    f'{stem}-pipeline-target.py': f'{stem}.py' for stem in (
        'pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k',
        'pixmim-mff_vit-base-p16_8xb512-amp-coslr-300e_in1k',
        'pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k',
        'pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k',
        'pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px')
}


def load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


def test_every_pipeline_target_config_is_tested():
    assert {p.name for p in CONFIG_DIR.glob('*pipeline-target.py')} == set(TWINS)


@pytest.mark.parametrize('name', sorted(TWINS))
def test_config_moves_only_the_target(name):
    cfg, twin = load(name), load(TWINS[name])
    assert cfg.model.target_generator == dict(type='DataSampleTarget', key=KEY)
    # The transform takes the model-side generator's arguments.
    transform = dict(twin.model.target_generator, type='LowPassTarget')
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [t['type'] for t in pipeline]
    assert types.index('LowPassTarget') == len(types) - 2  # after every augmentation
    assert pipeline[-2] == transform
    assert pipeline[-1] == dict(type='PackInputs', algorithm_keys=[KEY])
    assert pipeline[:-2] == twin.train_dataloader.dataset.pipeline[:-1]
    model, twin_model = copy.deepcopy(cfg.model), copy.deepcopy(twin.model)
    model.pop('target_generator'), twin_model.pop('target_generator')
    assert model == twin_model
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'data_preprocessor'):
        assert cfg[key] == twin[key], key
    # The start-up check is added to the twin's hooks (MixMAE's batch check is kept).
    assert cfg.custom_hooks == [*twin.get('custom_hooks', []),
                                dict(type='TargetSourceCheckHook')]


@pytest.mark.parametrize('name', sorted(TWINS))
def test_config_builds_model_and_pipeline(name, tmp_path):
    cfg = load(name)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    path = tmp_path / 'img.png'
    mmcv.imwrite(np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8),
                 str(path))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(model_cfg)
        packed = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))(
            dict(img_path=str(path)))
    assert isinstance(model.target_generator, DataSampleTarget) and model.target_from_pipeline
    torch.testing.assert_close(model.target_generator.mean.flatten(),
                               model.data_preprocessor.mean.flatten())
    assert model.target_generator.swap_channels
    target = packed['data_samples'].get(KEY)
    assert target.shape == packed['inputs'].shape and target.dtype == torch.float32


def make_images(root: Path, count: int, side: int):
    rng = np.random.default_rng(0)
    root.mkdir()
    for i in range(count):
        shape = (side + 7 * i, side + 20 - 3 * i, 3)
        mmcv.imwrite(rng.integers(0, 256, size=shape, dtype=np.uint8), str(root / f'{i}.png'))


def tiny_mae(model):
    model.backbone.update(arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                    feedforward_channels=64), img_size=32, patch_size=8)
    model.neck.update(num_patches=16, patch_size=8, embed_dim=32, decoder_embed_dim=16,
                      decoder_depth=1, decoder_num_heads=2, mlp_ratio=2.)
    model.head.patch_size = 8


def tiny_convmae(model):
    model.backbone.update(arch=dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2),
                          img_size=64)
    model.neck.update(grid_size=4, embed_dim=32, decoder_embed_dim=16, decoder_depth=1,
                      decoder_num_heads=2)


def tiny_mixmae(model):
    model.backbone.update(arch='mini', img_size=128, window_size=(8, 8, 8, 4))
    model.neck.update(in_channels=256, embed_dims=32, depth=1, num_heads=2)


# One per algorithm family: (config, tiny-izer, image side, batch, radius). Each radius is far
# below the image's Nyquist corner (side / sqrt(2) bins), so the target really is filtered.
FAMILIES = {
    'pixmim-mae': ('pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k-pipeline-target.py',
                   tiny_mae, 32, 2, 4),
    'pixmim-convmae': ('pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k-'
                       'pipeline-target.py', tiny_convmae, 64, 2, 8),
    'pixmim-mixmae': ('pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k-'
                      'pipeline-target.py', tiny_mixmae, 128, 4, 16),
}


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_two_runner_iterations_with_target_from_workers(family, tmp_path, two_iteration_cfg,
                                                       target_recorder):
    name, tiny, side, batch_size, radius = FAMILIES[family]
    make_images(tmp_path / 'images', 2 * batch_size, side)
    cfg = load(name)
    tiny(cfg.model)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    for t in pipeline:
        if t['type'] == 'SimpleResizedCrop':
            t['size'] = side
        elif t['type'] == 'LowPassTarget':
            t.update(radius=radius, scale_radius_with_size=False)
    cfg = two_iteration_cfg(cfg, tmp_path / 'images', pipeline, batch_size, num_workers=2)

    runner = Runner.from_cfg(cfg)
    seen = target_recorder(runner)
    runner.train()
    assert runner.iter == 2 and len(seen) == 2
    for inputs, target in seen:
        assert target.shape == inputs.shape == (batch_size, 3, side, side)
        # Filtered in the workers: fine detail is gone, the mean colour (DC) is kept.
        assert (target - inputs).abs().mean() > 0.1
        torch.testing.assert_close(target.mean((2, 3)), inputs.mean((2, 3)), atol=1e-4, rtol=0)
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
