"""AtomicCheckpointHook: a crash while saving leaves the previous checkpoint usable."""
import os
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mixmim_mm.engine import atomic_local_backend
from mixmim_mm.engine.atomic_local_backend import AtomicLocalBackend


def _use_atomic_hook(cfg, **kwargs):
    cfg.default_hooks.checkpoint = dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=2, **kwargs)
    return cfg


def _crash_when_writing(name, monkeypatch):
    """Make the atomic backend fail half-way through writing any file called ``name``."""
    original = atomic_local_backend._write_and_sync

    def write(fileobj, data):
        # the temporary file is named '.<final name>.<random>.tmp'
        if osp.basename(fileobj.name).startswith(f'.{name}.'):
            fileobj.write(data[:len(data) // 2])
            raise OSError(f'simulated crash while writing {name}')
        original(fileobj, data)

    monkeypatch.setattr(atomic_local_backend, '_write_and_sync', write)


def _pointer(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def test_defaults_to_atomic_backend_for_checkpoint_and_pointer(tiny_cfg, monkeypatch):
    written = []
    original_put = AtomicLocalBackend.put

    def spy(self, obj, filepath):
        written.append(osp.basename(str(filepath)))
        original_put(self, obj, filepath)

    monkeypatch.setattr(AtomicLocalBackend, 'put', spy)
    cfg = _use_atomic_hook(tiny_cfg())  # no backend_args given
    cfg.train_cfg.max_iters = 2
    Runner.from_cfg(cfg).train()
    assert written == ['iter_2.pth', 'last_checkpoint']


def test_plain_checkpoint_hook_routes_pth_through_backend_args(tiny_cfg, monkeypatch):
    # The tiny config uses mmengine's own CheckpointHook with backend='atomic_local':
    # runner.save_checkpoint sends the .pth through it.
    written = []
    original_put = AtomicLocalBackend.put

    def spy(self, obj, filepath):
        written.append(osp.basename(str(filepath)))
        original_put(self, obj, filepath)

    monkeypatch.setattr(AtomicLocalBackend, 'put', spy)
    cfg = tiny_cfg()
    cfg.train_cfg.max_iters = 2
    Runner.from_cfg(cfg).train()
    assert 'iter_2.pth' in written


def test_crash_while_saving_keeps_previous_checkpoint(tiny_cfg, monkeypatch):
    # max_keep_ckpts=1: mmengine's hook would delete iter_2.pth before writing iter_4.pth.
    cfg = _use_atomic_hook(tiny_cfg(), max_keep_ckpts=1)
    cfg.train_cfg.max_iters = 4
    _crash_when_writing('iter_4.pth', monkeypatch)

    with pytest.raises(OSError, match='simulated crash'):
        Runner.from_cfg(cfg).train()

    files = sorted(os.listdir(cfg.work_dir))
    assert 'iter_4.pth' not in files
    assert not [f for f in files if f.endswith('.tmp')]
    assert _pointer(cfg.work_dir) == osp.join(cfg.work_dir, 'iter_2.pth')
    ckpt = torch.load(_pointer(cfg.work_dir), map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2


class _ArmCrashBeforeSave(Hook):
    """Before the checkpoint at ``at_iter`` is saved, make writing ``name`` fail."""

    priority = 'HIGHEST'  # runs before CheckpointHook in the same after_train_iter

    def __init__(self, at_iter, name, monkeypatch):
        self.at_iter, self.name, self.monkeypatch = at_iter, name, monkeypatch

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.at_iter:
            _crash_when_writing(self.name, self.monkeypatch)


def test_crash_while_updating_pointer_keeps_previous_checkpoint(tiny_cfg, monkeypatch):
    cfg = _use_atomic_hook(tiny_cfg(), max_keep_ckpts=1)
    cfg.train_cfg.max_iters = 4
    runner = Runner.from_cfg(cfg)
    runner.register_hook(_ArmCrashBeforeSave(4, 'last_checkpoint', monkeypatch))

    with pytest.raises(OSError, match='simulated crash while writing last_checkpoint'):
        runner.train()

    # iter_4.pth is complete but not yet the pointer's target; iter_2.pth is not deleted.
    assert _pointer(cfg.work_dir) == osp.join(cfg.work_dir, 'iter_2.pth')
    assert not [f for f in os.listdir(cfg.work_dir) if f.endswith('.tmp')]
    ckpt = torch.load(_pointer(cfg.work_dir), map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    newer = torch.load(osp.join(cfg.work_dir, 'iter_4.pth'), map_location='cpu', weights_only=True)
    assert newer['meta']['iter'] == 4


@pytest.mark.slow
def test_rotation_still_keeps_max_keep_ckpts(tiny_cfg):
    cfg = _use_atomic_hook(tiny_cfg(), max_keep_ckpts=1)
    cfg.train_cfg.max_iters = 6
    Runner.from_cfg(cfg).train()
    assert sorted(f for f in os.listdir(cfg.work_dir) if f.endswith('.pth')) == ['iter_6.pth']
    assert _pointer(cfg.work_dir) == osp.join(cfg.work_dir, 'iter_6.pth')
