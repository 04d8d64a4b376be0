"""The README's commands on shipped configs, each in a fresh interpreter as a user runs them:
``python tools/train.py``, ``tools/dist_train.sh CONFIG 2``, ``tools/slurm_train.sh`` (through a
stand-in ``srun``), ``tools/test.py`` and MMPretrain's own ``tools/train.py`` (what
``mim train mmpretrain`` runs). Configs are shrunk only as ``_config_runs`` allows."""
import glob
import os
import os.path as osp
import socket
import stat
import subprocess
import sys

import pytest
from _config_runs import (REPO_ROOT, assert_trained_and_evaluated, data_layout, logged_scalars,
                          shrink_for_test, write_layout)
from _generated_data import write_imagenet_split
from mmengine.config import Config

from mixmim_mm.engine.launch_utils import select_precision

HEADLINE = 'configs/mixmae/mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'
FINETUNE = 'configs/mixmae/benchmarks/classification/swin-base-w14_8xb128-coslr-100e_in1k.py'
# One config of each data layout: pretraining, fine-tuning, COCO and ADE20K.
ONE_PER_LAYOUT = [
    HEADLINE,
    FINETUNE,
    'configs/pixmim/benchmarks/mask-rcnn_vit-base-p16-sfp_8xb8-lsj-100e_coco.py',
    'configs/mixmae/benchmarks/mmsegmentation/upernet_swin-base-w16_8xb2-160k_ade20k-512x512.py',
]


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env(**extra):
    # No torchrun or srun of the machine: the scripts find the venv running the tests.
    return dict(os.environ, OMP_NUM_THREADS='1', MIXMIM_VENV=sys.prefix, **extra)


def _run(cmd, env=None, timeout=600):
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, env=env or _env(), capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    return output


def _shrunk(path, tmp_path, data_root=None):
    """``(shrunk config file, its Config, iterations, work dir)``."""
    layout = data_layout(Config.fromfile(osp.join(REPO_ROOT, path)))
    data_root = data_root or write_layout(str(tmp_path / 'data'), layout)
    work_dir = str(tmp_path / 'work')
    cfg, steps = shrink_for_test(path, data_root, work_dir)
    shrunk = str(tmp_path / osp.basename(path))
    cfg.dump(shrunk)
    return shrunk, cfg, steps, work_dir


@pytest.mark.slow
@pytest.mark.parametrize('path', ONE_PER_LAYOUT)
def test_train_py_in_a_fresh_interpreter(path, tmp_path):
    shrunk, cfg, steps, work_dir = _shrunk(path, tmp_path)
    _run([sys.executable, 'tools/train.py', shrunk, '--work-dir', work_dir])
    assert_trained_and_evaluated(cfg, work_dir, steps)


@pytest.mark.slow
def test_test_py_evaluates_a_finetuned_checkpoint(tmp_path):
    shrunk, _, steps, work_dir = _shrunk(FINETUNE, tmp_path)
    _run([sys.executable, 'tools/train.py', shrunk, '--work-dir', work_dir])
    checkpoint = osp.join(work_dir, f'epoch_{steps}.pth')
    output = _run(
        [sys.executable, 'tools/test.py', shrunk, checkpoint, '--work-dir',
         str(tmp_path / 'test')])
    assert 'accuracy/top1' in output


@pytest.mark.slow
def test_dist_train_sh_two_processes_on_the_headline_config(tmp_path):
    # Two ranks of 4 images each: one batch per rank and epoch.
    root = str(tmp_path / 'data')
    write_imagenet_split(root, 'train', 8)
    shrunk, cfg, steps, work_dir = _shrunk(HEADLINE, tmp_path, data_root=root)
    output = _run(['bash', 'tools/dist_train.sh', shrunk, '2', '--work-dir', work_dir],
                  env=_env(PORT=str(_free_port())))
    assert_trained_and_evaluated(cfg, work_dir, steps)
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    with open(logs[0]) as f:
        assert 'Distributed training: True' in f.read(), output[-3000:]


@pytest.mark.slow
def test_slurm_train_sh_runs_through_srun(tmp_path):
    # A stand-in `srun` that records its arguments and runs the task as rank 0 of 1.
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text('#!/usr/bin/env bash\n'
                    f'echo "$@" > {tmp_path}/srun_args\n'
                    'while [[ "$1" == -* ]]; do [[ "$1" == -p ]] && shift; shift; done\n'
                    'export SLURM_PROCID=0 SLURM_NTASKS=1 SLURM_LOCALID=0 '
                    'SLURM_NODELIST=localhost MASTER_ADDR=127.0.0.1\n'
                    'exec "$@"\n')
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    shrunk, cfg, steps, work_dir = _shrunk(HEADLINE, tmp_path)
    env = _env(
        GPUS='1',
        GPUS_PER_NODE='1',
        MASTER_PORT=str(_free_port()),
        PATH=f'{bin_dir}:{os.environ["PATH"]}')
    _run(['bash', 'tools/slurm_train.sh', 'cpu', 'mixmae', shrunk, work_dir], env=env)
    args = (tmp_path / 'srun_args').read_text().split()
    assert args[:2] == ['-p', 'cpu'] and '--job-name=mixmae' in args and '--ntasks=1' in args
    assert args[-3:] == [shrunk, f'--work-dir={work_dir}', '--launcher=slurm']
    assert_trained_and_evaluated(cfg, work_dir, steps)


@pytest.mark.slow
def test_mmpretrain_train_py_on_the_headline_config(tmp_path):
    """MMPretrain's own entry point (``mim train mmpretrain CONFIG`` runs this file). Without a
    GPU, AMP becomes ``MixedPrecisionOptimWrapper`` exactly as ``tools/train.py`` does it."""
    import mmpretrain
    script = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'train.py')
    assert osp.isfile(script)
    shrunk, cfg, steps, work_dir = _shrunk(HEADLINE, tmp_path)
    select_precision(cfg)
    cfg.dump(shrunk)
    _run([sys.executable, script, shrunk, '--work-dir', work_dir])
    assert_trained_and_evaluated(cfg, work_dir, steps)
    assert any('loss' in record for record in logged_scalars(work_dir))
