"""KNNEvalHook: kNN top-1 of the current backbone, logged beside the loss, model untouched."""
import json
import os.path as osp

import pytest
import torch
from _config_runs import forget_visualizers, shrink_for_test, write_layout
from mmengine.runner import Runner

from mixmim_mm.engine.hooks import KNNEvalHook
from mixmim_mm.engine.launch_utils import prepare_train_config

CONFIG = 'configs/mixmae/mixmae_swin-mini_1xb32-amp-coslr-10e_imagenette-128px.py'


@pytest.fixture
def runner(tmp_path):
    data = write_layout(str(tmp_path / 'data'), 'imagenet')
    cfg, _ = shrink_for_test(CONFIG, data, str(tmp_path / 'work'))
    prepare_train_config(cfg)
    forget_visualizers()
    return Runner.from_cfg(cfg)


def knn_hook(runner):
    return next(h for h in runner.hooks if isinstance(h, KNNEvalHook))


@pytest.mark.slow
def test_logs_knn_top1_and_leaves_the_model_in_train_mode_unchanged(runner):
    hook = knn_hook(runner)
    runner.model.train()
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    rng = torch.get_rng_state()
    hook.before_train(runner)  # builds the loaders, evaluates the initialisation
    assert runner.model.training
    assert all(torch.equal(before[k], v) for k, v in runner.model.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state())  # the training's random stream untouched
    assert len(hook.history) == 1 and 0.0 <= hook.history[0]['knn_top1'] <= 1.0
    scalars = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    with open(scalars) as f:
        logged = [json.loads(line) for line in f]
    assert logged[-1]['knn_top1'] == hook.history[0]['knn_top1']


@pytest.mark.slow
def test_runs_every_interval_during_training(runner):
    runner.train()
    hook = knn_hook(runner)
    epochs = runner.max_epochs
    expected = [0] + [e for e in range(1, epochs + 1) if e % hook.interval == 0 or e == epochs]
    assert [h['epoch'] for h in hook.history] == expected
    assert hook.seconds > 0 and hook.history[-1]['train_seconds'] > 0
    with open(osp.join(runner.log_dir, 'vis_data', 'scalars.json')) as f:
        steps = [r['step'] for r in map(json.loads, f) if 'knn_top1' in r]
    assert steps == [h['iter'] for h in hook.history]


def test_bad_interval_is_rejected():
    with pytest.raises(ValueError, match='interval must be >= 1'):
        KNNEvalHook(interval=0)
