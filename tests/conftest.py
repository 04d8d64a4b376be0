"""Fixtures shared by the whole suite."""
import runpy
import sys

import pytest
import torch
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True, scope='module')
def isolated_global_state():
    """Undo the process-wide settings a test module's Runner may change.

    mmengine keeps the latest registry default scope (mmdet, mmseg, ...) global, and
    ``randomness=dict(deterministic=True)`` switches torch to deterministic algorithms,
    which changes the ops later modules trace. Both are restored after each module.
    """
    scopes = set(DefaultScope._instance_dict)
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    yield
    for name in set(DefaultScope._instance_dict) - scopes:
        DefaultScope._instance_dict.pop(name)
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


@pytest.fixture
def run_script():
    """Return ``run(path, argv)``: run a repository script as ``__main__`` with ``argv``, in
    this process (so its errors surface as exceptions), restoring ``sys.argv`` after."""

    def run(path, argv):
        saved = sys.argv
        sys.argv = [path, *argv]
        try:
            runpy.run_path(path, run_name='__main__')
        finally:
            sys.argv = saved

    return run
