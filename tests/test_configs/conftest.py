"""Helpers shared by the config tests: tiny data sets in each config's layout, and Runners of
shipped configs shrunk only where a test may shrink them (see ``_config_runs``)."""
import pytest
from _config_runs import forget_visualizers, run_in_process, shrink_for_test, write_layout
from mmengine.runner import Runner


@pytest.fixture(scope='session')
def config_data_roots(tmp_path_factory):
    """``root_of(layout)``: the root of a tiny data set in ``layout``, written on first use."""
    roots = {}

    def root_of(layout):
        if layout not in roots:
            roots[layout] = write_layout(str(tmp_path_factory.mktemp(layout)), layout)
        return roots[layout]

    return root_of


@pytest.fixture
def shipped_runner(tmp_path, config_data_roots, monkeypatch):
    """``build(path, precision=None, **changes)``: the Runner of the shipped config at ``path``
    (relative to the repository), shrunk as ``_config_runs.shrink_for_test`` allows, on tiny
    data in its layout, prepared as ``tools/train.py`` prepares it. Returns
    ``(runner, iterations)``.

    ``precision``: None (what ``tools/train.py`` picks on this machine), ``'fp32'`` (its
    ``--fp32``) or ``'bf16'`` (the CPU's bf16 check taken as passed, so that bf16 runs on any
    CPU). ``changes(cfg)``, if given, edits the shrunk config first: a test that checks a
    failure of a deliberately broken config, or that points the backbone at a checkpoint of
    an earlier run. ``work_dir`` names the run's folder under ``tmp_path``.
    """
    from mixmim_mm.engine.launch_utils import prepare_train_config
    from mixmim_mm.engine.optimizers import mixed_precision_optim_wrapper

    def build(path, precision=None, changes=None, work_dir='work'):
        cfg, steps = shrink_for_test(path, config_data_roots, str(tmp_path / work_dir))
        if changes is not None:
            changes(cfg)
        if precision == 'bf16':
            monkeypatch.setattr(mixed_precision_optim_wrapper, 'cpu_bf16_support', lambda:
                                (True, 'taken as supported by the test'))
        prepare_train_config(cfg, force_fp32=precision == 'fp32')
        forget_visualizers()
        return Runner.from_cfg(cfg), steps

    with run_in_process():
        yield build


def record_target_generator(runner):
    """``[(inputs, target), ...]`` of every ``runner.model.target_generator`` call from now on."""
    seen = []
    runner.model.target_generator.register_forward_hook(lambda module, args, out: seen.append(
        (args[0].detach().clone(), out.detach().clone())))
    return seen


@pytest.fixture
def target_recorder():
    return record_target_generator
