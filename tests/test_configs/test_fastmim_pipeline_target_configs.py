"""FastMIM-family configs with the HOG target in the data pipeline: they move only the
target, and train a few Runner iterations (as shipped, at narrow widths) with a dataloader
worker computing it."""
import copy
import math
from pathlib import Path

import pytest
from mmengine.config import Config

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.hog import HOGTargetGenerator

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'fastmim'
KEY = 'hog_target'
TWINS = {
    f'{stem}-pipeline-target.py': f'{stem}.py'
    for stem in ('fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px',
                 'mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k')
}


def load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


def test_every_pipeline_target_config_is_tested():
    assert {p.name for p in CONFIG_DIR.glob('*pipeline-target.py')} == set(TWINS)


@pytest.mark.parametrize('name', sorted(TWINS))
def test_config_moves_only_the_target(name):
    cfg, twin = load(name), load(TWINS[name])
    assert cfg.model.target_generator == dict(type='DataSampleTarget', key=KEY, pixel_space=False)
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
    assert cfg.custom_hooks == [*twin.get('custom_hooks', []), dict(type='TargetSourceCheckHook')]


# config -> (image side, token stride)
FAMILIES = {
    'fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px-pipeline-target.py': (128, 16),
    'mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k-pipeline-target.py': (224, 32),
}


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(FAMILIES))
def test_runner_iterations_with_hog_from_workers(name, shipped_runner, target_recorder):
    side, stride = FAMILIES[name]
    runner, steps = shipped_runner(f'configs/fastmim/{name}')
    assert runner.train_dataloader.num_workers == 1
    seen = target_recorder(runner)
    runner.train()
    assert runner.iter == steps == len(seen)
    # The workers' target is the HOG the model-side generator gives for the same inputs.
    model_side = HOGTargetGenerator(token_stride=stride)
    model_side.set_normalization(runner.model.data_preprocessor.mean,
                                 runner.model.data_preprocessor.std)
    tokens = (side // stride)**2
    for inputs, target in seen:
        assert target.shape == (4, tokens, 27 * (stride // 8)**2)
        # The model side works on the normalised batch: an exactly horizontal or vertical
        # gradient (the drawn squares have many) can change bin there after the round trip
        # through ImageNet's mean/std, so a few histogram entries differ.
        diff = (target - model_side(inputs)).abs()
        assert (diff > 1e-5).float().mean() < 0.02 and diff.mean() < 1e-3
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0


def test_mismatched_channel_order_fails_at_start_up(shipped_runner):
    name = sorted(FAMILIES)[0]

    def keep_bgr(cfg):
        cfg.train_dataloader.dataset.pipeline[-2]['to_rgb'] = False

    runner, _ = shipped_runner(f'configs/fastmim/{name}', changes=keep_bgr)
    with pytest.raises(ValueError, match='to_rgb=False but the data preprocessor'):
        runner.train()
