"""`import mixmim_mm` lets weights-only loading read training checkpoints, and nothing more."""
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner


class _NotAllowlisted:
    """An arbitrary class that no allow-list mentions."""

    def __init__(self, value=1):
        self.value = value


class _GetattrEscape:
    """Pickles as getattr(getattr(HistoryBuffer, 'min'), '__globals__'), a sandbox escape."""

    def __reduce__(self):
        return getattr, (HistoryBuffer.min, '__globals__')


def test_import_registers_history_buffer():
    assert HistoryBuffer in torch.serialization.get_safe_globals()


def test_training_checkpoint_loads_with_weights_only(tiny_cfg):
    cfg = tiny_cfg()
    cfg.train_cfg.max_iters = 2
    Runner.from_cfg(cfg).train()

    ckpt = torch.load(f'{cfg.work_dir}/iter_2.pth', map_location='cpu', weights_only=True)

    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
    assert ckpt['meta']['iter'] == 2
    assert {'state_dict', 'optimizer', 'param_schedulers'} <= set(ckpt)


def test_unlisted_class_is_still_rejected(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save({'meta': _NotAllowlisted()}, path)
    with pytest.raises(pickle.UnpicklingError, match='_NotAllowlisted'):
        torch.load(path, weights_only=True)


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save({'meta': _GetattrEscape()}, path)
    with pytest.raises(pickle.UnpicklingError, match='__globals__'):
        torch.load(path, weights_only=True)
