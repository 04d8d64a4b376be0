"""Fixtures shared by the whole suite."""
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True, scope='session')
def cached_config_metafiles():
    """Read each package's model index once per session.

    For every ``mmdet::``/``mmseg::``/``mmpretrain::`` base a config names, mmengine first
    reads all of that package's metafiles to look the name up (about 2 s for MMSegmentation,
    several times per config). The files do not change during a session, so the look-up
    here reads them once per package and answers as mmengine's does (the first metafile
    entry of a config name; ``ValueError`` for a name that is not in the index, after which
    mmengine takes the name as a base config path).
    """
    from mmengine.config import utils as config_utils
    from mmengine.fileio import load

    original = config_utils._get_cfg_metainfo
    indexes = {}

    def lookup(package_path, cfg_path):
        if package_path not in indexes:
            index = {}
            mim = osp.join(package_path, '.mim')
            for metafile in load(osp.join(mim, 'model-index.yml'))['Import']:
                for model in load(osp.join(mim, metafile))['Models']:
                    if 'Config' in model:
                        index.setdefault(model['Config'].partition('/')[-1], model)
            indexes[package_path] = index
        if cfg_path not in indexes[package_path]:
            raise ValueError(f'{cfg_path} is not in the model index of {package_path}')
        return indexes[package_path][cfg_path]

    config_utils._get_cfg_metainfo = lookup
    yield
    config_utils._get_cfg_metainfo = original


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


@pytest.fixture(params=['fp32', 'bf16'])
def train_precision(request, monkeypatch):
    """Run a Runner test in fp32 and with CPU bf16 autocast.

    Returns ``apply(cfg)``, which points ``cfg.optim_wrapper`` at ``MixedPrecisionOptimWrapper``
    in the parametrised precision; ``apply.precision`` is ``'fp32'`` or ``'bf16'``. The CPU's
    bf16 support check is taken as passed, so the bf16 case runs (emulated if need be) on any
    CPU; the check itself is tested on its own.
    """
    from mixmim_mm.engine.optimizers import mixed_precision_optim_wrapper
    if torch.cuda.is_available():
        pytest.skip('the CPU precision paths; with a GPU the wrapper is AmpOptimWrapper')
    monkeypatch.setattr(mixed_precision_optim_wrapper, 'cpu_bf16_support', lambda:
                        (True, 'taken as supported by the test'))

    def apply(cfg):
        cfg.optim_wrapper.type = 'MixedPrecisionOptimWrapper'
        cfg.optim_wrapper.cpu_dtype = 'bfloat16' if request.param == 'bf16' else 'float32'
        return cfg

    apply.precision = request.param
    return apply
