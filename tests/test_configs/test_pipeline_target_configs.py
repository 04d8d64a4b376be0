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

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.data_sample_target import DataSampleTarget

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'pixmim'
KEY = 'low_pass_target'
# Pipeline-side config -> its model-side twin.
TWINS = {
    f'{stem}-pipeline-target.py': f'{stem}.py'
    for stem in ('pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k',
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
    assert cfg.custom_hooks == [*twin.get('custom_hooks', []), dict(type='TargetSourceCheckHook')]


@pytest.mark.parametrize('name', sorted(TWINS))
def test_config_builds_model_and_pipeline(name, tmp_path):
    cfg = load(name)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    path = tmp_path / 'img.png'
    mmcv.imwrite(
        np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8), str(path))
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


# One per algorithm family (the MFF and LSMAE twins train in test_shipped_configs.py).
FAMILIES = ('pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k-pipeline-target.py',
            'pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k-pipeline-target.py',
            'pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k-pipeline-target.py')


@pytest.mark.slow
@pytest.mark.parametrize('name', FAMILIES)
def test_runner_iterations_with_target_from_workers(name, shipped_runner, target_recorder):
    runner, steps = shipped_runner(f'configs/pixmim/{name}')
    assert runner.train_dataloader.num_workers == 1
    seen = target_recorder(runner)
    runner.train()
    assert runner.iter == steps == len(seen)
    for inputs, target in seen:
        assert target.shape == inputs.shape == (4, 3, 224, 224)
        # Filtered in the workers: fine detail is gone, the mean colour (DC) is kept.
        assert (target - inputs).abs().mean() > 0.05
        torch.testing.assert_close(target.mean((2, 3)), inputs.mean((2, 3)), atol=1e-4, rtol=0)
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
