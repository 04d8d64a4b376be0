"""Every shipped config that trains with AdamW gets it as ``FastAdamW`` (the fused step where
torch has one), and names no implementation flag the installed torch might lack."""
import importlib.util
from pathlib import Path

import pytest
from mmengine.config import Config

REPO_ROOT = Path(__file__).parents[2]
_spec = importlib.util.spec_from_file_location('config_snapshot',
                                               REPO_ROOT / 'tools' / 'misc' / 'config_snapshot.py')
snapshot_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_tool)

# MMPretrain's linear-probe recipes train with LARS, which has no fused kernel.
OTHER_OPTIMIZERS = {'LARS'}


@pytest.mark.parametrize('path', snapshot_tool.config_paths(), ids=snapshot_tool.snapshot_key)
def test_adamw_is_the_fast_one(path):
    optimizer = Config.fromfile(str(path)).optim_wrapper.optimizer
    assert optimizer.type == 'FastAdamW' or optimizer.type in OTHER_OPTIMIZERS, optimizer.type
    assert 'fused' not in optimizer and 'foreach' not in optimizer
