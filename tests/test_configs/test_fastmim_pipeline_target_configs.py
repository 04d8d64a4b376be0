"""FastMIM-family configs with the HOG target in the data pipeline: they move only the
target, and train 2 Runner iterations with dataloader workers computing it."""
import copy
import math
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.hog import HOGTargetGenerator

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'fastmim'
KEY = 'hog_target'
TWINS = {
    f'{stem}-pipeline-target.py': f'{stem}.py' for stem in (
        'fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px',
        'mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k')
}


def load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


def test_every_pipeline_target_config_is_tested():
    assert {p.name for p in CONFIG_DIR.glob('*pipeline-target.py')} == set(TWINS)


@pytest.mark.parametrize('name', sorted(TWINS))
def test_config_moves_only_the_target(name):
    cfg, twin = load(name), load(TWINS[name])
    assert cfg.model.target_generator == dict(type='DataSampleTarget', key=KEY,
                                              pixel_space=False)
    pipeline = cfg.train_dataloader.dataset.pipeline
    # The transform takes the model-side generator's arguments, after every augmentation;
    # to_rgb (default True) matches the preprocessor's.
    assert pipeline[-2] == dict(twin.model.target_generator, type='HOGTarget')
    assert cfg.data_preprocessor.to_rgb
    assert pipeline[-1] == dict(type='PackInputs', algorithm_keys=[KEY])
    assert pipeline[:-2] == twin.train_dataloader.dataset.pipeline[:-1]
    model, twin_model = copy.deepcopy(cfg.model), copy.deepcopy(twin.model)
    model.pop('target_generator'), twin_model.pop('target_generator')
    assert model == twin_model
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'data_preprocessor'):
        assert cfg[key] == twin[key], key
    assert cfg.custom_hooks == [*twin.get('custom_hooks', []),
                                dict(type='TargetSourceCheckHook')]


def make_images(root: Path, count: int, side: int):
    rng = np.random.default_rng(0)
    root.mkdir()
    for i in range(count):
        shape = (side + 12 + 7 * i, side + 40 - 3 * i, 3)
        mmcv.imwrite(rng.integers(0, 256, size=shape, dtype=np.uint8), str(root / f'{i}.png'))


def tiny_fastmim_vit(model):
    model.backbone.update(arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                    feedforward_channels=64), img_size=64)
    model.neck.update(in_channels=32, embed_dims=32)


def tiny_mixmae(model):
    model.backbone.update(arch='mini', img_size=128, window_size=(8, 8, 8, 4))
    model.neck.update(in_channels=256, embed_dims=32, depth=1, num_heads=2)


# (config, tiny-izer, image side, batch, token stride)
FAMILIES = {
    'fastmim-vit': ('fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px-pipeline-target.py',
                    tiny_fastmim_vit, 64, 2, 16),
    'mixmae-hog': ('mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k-pipeline-target.py',
                   tiny_mixmae, 128, 4, 32),
}


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_two_runner_iterations_with_hog_from_workers(family, tmp_path, two_iteration_cfg,
                                                    target_recorder):
    name, tiny, side, batch_size, stride = FAMILIES[family]
    make_images(tmp_path / 'images', 2 * batch_size, side)
    cfg = load(name)
    tiny(cfg.model)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    for t in pipeline:
        if t['type'] == 'RandomResizedCrop':
            t['scale'] = side
    cfg = two_iteration_cfg(cfg, tmp_path / 'images', pipeline, batch_size, num_workers=2)

    runner = Runner.from_cfg(cfg)
    seen = target_recorder(runner)
    runner.train()
    assert runner.iter == 2 and len(seen) == 2
    # The workers' target is the HOG the model-side generator gives for the same inputs.
    model_side = HOGTargetGenerator(token_stride=stride)
    model_side.set_normalization(runner.model.data_preprocessor.mean,
                                 runner.model.data_preprocessor.std)
    tokens = (side // stride)**2
    for inputs, target in seen:
        assert target.shape == (batch_size, tokens, 27 * (stride // 8)**2)
        # ImageNet stats: a few exactly horizontal gradients change bin on the model side.
        diff = (target - model_side(inputs)).abs()
        assert (diff > 1e-5).float().mean() < 0.01 and diff.mean() < 1e-3
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0


def test_mismatched_channel_order_fails_at_start_up(tmp_path, two_iteration_cfg):
    name, tiny, side, batch_size, _ = FAMILIES['fastmim-vit']
    make_images(tmp_path / 'images', 2 * batch_size, side)
    cfg = load(name)
    tiny(cfg.model)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    pipeline[-2]['to_rgb'] = False
    cfg = two_iteration_cfg(cfg, tmp_path / 'images', pipeline, batch_size)
    with pytest.raises(ValueError, match='to_rgb=False but the data preprocessor'):
        Runner.from_cfg(cfg).train()
