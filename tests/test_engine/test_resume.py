"""Resuming an mmengine run on torch >= 2.6 continues exactly where it stopped."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner


class _IterRecorder(Hook):
    """Records the iteration index at the start of every training step."""

    def __init__(self):
        self.iters = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.iters.append(runner.iter)


def _train(cfg, max_iters, resume=False):
    cfg.train_cfg.max_iters = max_iters
    cfg.resume = resume
    runner = Runner.from_cfg(cfg)
    recorder = _IterRecorder()
    runner.register_hook(recorder)
    runner.train()
    return runner, recorder.iters


@pytest.mark.slow
def test_resume_matches_uninterrupted_run(tiny_cfg):
    n = 3
    full_cfg = tiny_cfg('full')
    full_cfg.default_hooks.checkpoint.interval = n
    full, _ = _train(full_cfg, 2 * n)

    first_cfg = tiny_cfg('interrupted')
    first_cfg.default_hooks.checkpoint.interval = n
    _train(first_cfg, n)
    assert osp.isfile(osp.join(first_cfg.work_dir, f'iter_{n}.pth'))

    # A new runner on the same work dir: resume=True with no load_from finds the
    # checkpoint through `last_checkpoint` and loads it with torch.load's default
    # (weights_only=True on torch >= 2.6).
    second_cfg = tiny_cfg('interrupted')
    second_cfg.default_hooks.checkpoint.interval = n
    resumed, iters = _train(second_cfg, 2 * n, resume=True)

    assert iters == list(range(n, 2 * n)), 'the resumed run must not start from scratch'
    full_state = full.model.state_dict()
    resumed_state = resumed.model.state_dict()
    assert full_state.keys() == resumed_state.keys()
    for key, value in full_state.items():
        assert torch.equal(value, resumed_state[key]), key
