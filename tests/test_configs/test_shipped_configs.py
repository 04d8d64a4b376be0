"""Every config under ``configs/`` trains as shipped, through ``tools/train.py``, on tiny
on-disk data in the layout it expects: a few iterations to a logged loss, then evaluation
where the config has a val loop. Only data roots, batch sizes, worker counts, run lengths
and model widths differ from the shipped file (checked leaf by leaf)."""
import os.path as osp

import pytest
from _config_runs import (REPO_ROOT, assert_trained_and_evaluated, forget_visualizers,
                          run_in_process, shipped_configs, shrink_for_test)

CONFIGS = shipped_configs()


def test_every_config_is_covered():
    assert len(CONFIGS) >= 90 and all(p.startswith('configs/') for p in CONFIGS)
    assert not any('/_base_/' in p for p in CONFIGS)


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS)
def test_config_trains_through_tools_train(path, config_data_roots, tmp_path, run_script):
    work_dir = str(tmp_path / 'work')
    cfg, steps = shrink_for_test(path, config_data_roots, work_dir)
    shrunk = str(tmp_path / osp.basename(path))
    cfg.dump(shrunk)
    forget_visualizers()
    with run_in_process():
        run_script(osp.join(REPO_ROOT, 'tools', 'train.py'), [shrunk, '--work-dir', work_dir])
    assert_trained_and_evaluated(cfg, work_dir, steps)
