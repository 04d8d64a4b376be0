"""Config adjustments made by tools/train.py and tools/test.py before building the Runner."""
import pytest
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.device import get_device

from mixmim_mm.engine import launch_utils
from mixmim_mm.engine.launch_utils import (select_precision, setup_cpu_distributed,
                                           shutdown_distributed, use_atomic_checkpoints)

cpu_only = pytest.mark.skipif(get_device() != 'cpu', reason='CPU-only behaviour')


def _cfg(**checkpoint):
    return Config(
        dict(
            default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, **checkpoint)),
            optim_wrapper=dict(
                type='AmpOptimWrapper', loss_scale='dynamic', optimizer=dict(type='AdamW',
                                                                             lr=1e-3)),
            env_cfg=dict(dist_cfg=dict(backend='nccl'))))


def test_atomic_checkpoints_fill_in_backend_and_hook():
    cfg = _cfg()
    use_atomic_checkpoints(cfg)
    assert cfg.default_hooks.checkpoint.backend_args == dict(backend='atomic_local')
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'


def test_atomic_checkpoints_keep_a_chosen_backend():
    cfg = _cfg(backend_args=dict(backend='local'))
    use_atomic_checkpoints(cfg)
    assert cfg.default_hooks.checkpoint.backend_args == dict(backend='local')


def test_atomic_checkpoints_keep_a_custom_hook_type():
    cfg = _cfg()
    cfg.default_hooks.checkpoint.type = 'MyCheckpointHook'
    use_atomic_checkpoints(cfg)
    assert cfg.default_hooks.checkpoint.type == 'MyCheckpointHook'


@cpu_only
def test_amp_becomes_mixed_precision_wrapper_on_cpu():
    cfg = _cfg()
    select_precision(cfg)
    assert cfg.optim_wrapper.type == 'MixedPrecisionOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'  # kept for a GPU, ignored on the CPU


def test_amp_is_left_alone_with_a_gpu(monkeypatch):
    monkeypatch.setattr(launch_utils, 'get_device', lambda: 'cuda')
    cfg = _cfg()
    select_precision(cfg)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


@pytest.mark.parametrize('wrapper', ['AmpOptimWrapper', 'MixedPrecisionOptimWrapper'])
def test_force_fp32_gives_optim_wrapper(wrapper):
    cfg = _cfg()
    cfg.optim_wrapper.update(type=wrapper, cpu_dtype='bfloat16')
    select_precision(cfg, force_fp32=True)
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert set(cfg.optim_wrapper) == {'type', 'optimizer'}


def test_not_distributed_changes_nothing():
    cfg = _cfg()
    assert setup_cpu_distributed(cfg, 'none') is False
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


@cpu_only
def test_cpu_distributed_uses_gloo_and_cpu_ddp(monkeypatch):
    for key, value in dict(
            RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
            MASTER_PORT='0').items():
        monkeypatch.setenv(key, value)
    cfg = _cfg()
    try:
        assert setup_cpu_distributed(cfg, 'pytorch') is True
        assert torch_dist.is_initialized()
        assert torch_dist.get_backend() == 'gloo'
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    assert cfg.model_wrapper_cfg.device_ids is None


@cpu_only
def test_cpu_distributed_rejects_mpi():
    with pytest.raises(ValueError, match='mpi'):
        setup_cpu_distributed(_cfg(), 'mpi')


def test_gpu_machine_keeps_nccl(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = _cfg()
    assert setup_cpu_distributed(cfg, 'pytorch') is False
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_shutdown_distributed_closes_the_process_group(tmp_path):
    shutdown_distributed()  # no group: nothing to do
    torch_dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1)
    assert torch_dist.is_initialized()
    shutdown_distributed()
    assert not torch_dist.is_initialized()


@cpu_only
def test_cpu_training_retains_freed_memory(monkeypatch):
    calls = []
    monkeypatch.setattr(launch_utils, 'retain_freed_memory',
                        lambda: calls.append(1) or 'retain freed memory')
    launch_utils.prepare_train_config(_cfg())
    assert calls == [1]


def test_gpu_training_leaves_the_allocator_alone(monkeypatch):
    calls = []
    monkeypatch.setattr(launch_utils, 'get_device', lambda: 'cuda')
    monkeypatch.setattr(launch_utils, 'retain_freed_memory', lambda: calls.append(1))
    assert launch_utils.retain_cpu_memory() is False
    assert calls == []
