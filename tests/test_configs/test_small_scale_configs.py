"""The small-scale (Imagenette, 128 px) pretraining configs of the representation benchmark:
one data base, one schedule, the kNN monitor, and encoders of comparable size and cost."""
import glob
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def benchmark_tool():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'representation_benchmark.py')
    spec = importlib.util.spec_from_file_location('representation_benchmark', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


METHODS = benchmark_tool().METHODS


def load(method):
    return Config.fromfile(osp.join(ROOT, METHODS[method]))


def test_every_small_scale_config_is_in_the_benchmark():
    found = {
        osp.relpath(p, ROOT)
        for p in glob.glob(osp.join(ROOT, 'configs', '**', '*imagenette*.py'), recursive=True)
        if '_base_' not in p
    }
    assert found == set(METHODS.values())


@pytest.mark.parametrize('method', sorted(METHODS))
def test_shares_the_data_base_schedule_and_monitor(method):
    cfg, mae = load(method), load('mae')
    data = cfg.train_dataloader
    assert data.dataset.type == 'LabelledImageFolder'
    assert data.dataset.data_root == mae.train_dataloader.dataset.data_root
    assert data.batch_size == 32 and data.collate_fn == dict(type='default_collate')
    assert cfg.param_scheduler == mae.param_scheduler and cfg.train_cfg == mae.train_cfg
    assert cfg.optim_wrapper.type == 'MixedPrecisionOptimWrapper'
    assert cfg.optim_wrapper.optimizer.type == 'FastAdamW'
    # Every method gets the same multiple of its paper's lr (scaled to batch 32); MixedAE's
    # is its paper's short-schedule (300-epoch ablation) base lr.
    paper_lr = {'simmim': 2e-4 * 32 / 512}.get(method, 1.5e-4 * 32 / 256)
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(paper_lr * cfg.lr_scale)
    assert cfg.lr_scale == mae.lr_scale
    assert [h.type for h in cfg.custom_hooks].count('KNNEvalHook') == 1


@pytest.mark.parametrize('method', sorted(METHODS))
def test_encoder_size_and_cost_are_comparable_to_mae(method):
    tool = benchmark_tool()
    mine, mae = tool.complexity(method), tool.complexity('mae')
    assert 0.6 <= mine['params_m'] / mae['params_m'] <= 1.7
    assert 0.6 <= mine['gflops'] / mae['gflops'] <= 1.5
    assert mine['eval_px'] == 128 and mine['pretrain_px'] in (64, 128)
