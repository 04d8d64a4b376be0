"""tools/train.py chooses the training precision: --amp, AMP configs and --fp32."""
import argparse
import importlib.util
import os.path as osp

import pytest
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper

from mixmim_mm.engine import launch_utils
from mixmim_mm.engine.optimizers import mixed_precision_optim_wrapper as mp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('train_tool', osp.join(ROOT, 'tools', 'train.py'))
train_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_tool)

MIXMAE_AMP = osp.join(ROOT, 'configs', 'mixmae',
                      'mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py')
DEMO = osp.join(ROOT, 'configs', 'mixmae', 'mixmae_swin-mini_1xb32-1200iter_sample-images.py')


def _args(config, **kwargs):
    values = dict(
        config=config,
        launcher='none',
        work_dir='/tmp/unused',
        resume=None,
        amp=False,
        fp32=False,
        auto_scale_lr=False,
        cfg_options=None)
    values.update(kwargs)
    return argparse.Namespace(**values)


def _wrapper(config, monkeypatch, supported=True, **kwargs):
    """The optim wrapper tools/train.py would build for ``config`` and options."""
    monkeypatch.setattr(mp, 'cpu_bf16_support', lambda: (supported, 'mocked check'))
    cfg = train_tool.merge_args(Config.fromfile(config), _args(config, **kwargs))
    launch_utils.select_precision(cfg, force_fp32=kwargs.get('fp32', False))
    return build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper)


@pytest.fixture(autouse=True)
def cpu_only_machine(monkeypatch):
    monkeypatch.setattr(launch_utils, 'get_device', lambda: 'cpu')
    monkeypatch.setattr(mp, '_has_accelerator', lambda: False)


@pytest.mark.parametrize(
    'config, amp', [(MIXMAE_AMP, False), (DEMO, True)], ids=['amp_config', 'amp_option'])
def test_amp_on_a_cpu_trains_in_bf16(config, amp, monkeypatch):
    wrapper = _wrapper(config, monkeypatch, amp=amp)
    assert isinstance(wrapper, mp.MixedPrecisionOptimWrapper)
    assert wrapper.precision == 'bf16'


def test_amp_on_a_cpu_without_bf16_trains_in_fp32_and_logs_it(monkeypatch):
    messages = []
    monkeypatch.setattr(mp, 'print_log', lambda msg, **kwargs: messages.append(msg))
    wrapper = _wrapper(MIXMAE_AMP, monkeypatch, supported=False, amp=True)
    assert wrapper.precision == 'fp32'
    assert any('mocked check' in m and 'fp32' in m for m in messages)


def test_fp32_option_forces_fp32(monkeypatch):
    wrapper = _wrapper(DEMO, monkeypatch, fp32=True)
    assert type(wrapper) is OptimWrapper


def test_amp_and_fp32_together_are_refused():
    with pytest.raises(ValueError, match='--amp and --fp32'):
        train_tool.merge_args(Config.fromfile(DEMO), _args(DEMO, amp=True, fp32=True))


def test_amp_with_a_gpu_is_mmengine_amp(monkeypatch):
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    monkeypatch.setattr(launch_utils, 'get_device', lambda: 'cuda')
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available', lambda: True)
    cfg = train_tool.merge_args(Config.fromfile(MIXMAE_AMP), _args(MIXMAE_AMP, amp=True))
    launch_utils.select_precision(cfg)
    wrapper = build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper)
    assert type(wrapper) is AmpOptimWrapper
