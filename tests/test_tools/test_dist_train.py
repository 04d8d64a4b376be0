"""`tools/dist_train.sh CONFIG 2` runs two processes (gloo on CPU) and writes a checkpoint."""
import glob
import os
import os.path as osp
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The README's demo config; 'tests/data/configs/tiny-resnet_2xb4-6iter_generated-images.py'
# (a tiny classifier) takes the same options if the demo ever needs to be swapped out.
CONFIG = osp.join(REPO_ROOT, 'configs/mixmae/mixmae_swin-mini_1xb32-1200iter_sample-images.py')


def _write_images(root, num_classes=2, per_class=8, size=16):
    rng = np.random.default_rng(0)
    for c in range(num_classes):
        os.makedirs(osp.join(root, f'class_{c}'))
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(osp.join(root, f'class_{c}', f'{i}.png'))
    return root


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dist_train_two_processes_writes_checkpoint_and_log(tmp_path):
    data_root = _write_images(str(tmp_path / 'images'))
    work_dir = str(tmp_path / 'work')
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1')
    # No torchrun on PATH: the script runs torch.distributed.run with the venv's python
    # (here the venv running the tests).
    env['PATH'] = '/usr/bin:/bin'
    env['MIXMIM_VENV'] = sys.prefix

    proc = subprocess.run([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir, '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}', 'train_cfg.max_iters=3',
        'train_dataloader.batch_size=8'
    ],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-5000:]

    assert glob.glob(osp.join(work_dir, '*.pth')), output[-3000:]
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert osp.isfile(f.read().strip())
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert len(logs) == 1
    with open(logs[0]) as f:
        log = f.read()
    assert 'Distributed training: True' in log
    if not torch.cuda.is_available():
        assert "dist_cfg=dict(backend='gloo')" in log


TINY_CLASSIFIER = osp.join(REPO_ROOT,
                           'tests/data/configs/tiny-resnet_2xb4-6iter_generated-images.py')


@pytest.mark.slow
def test_dist_test_two_processes_evaluates_a_trained_checkpoint(tmp_path):
    data_root = _write_images(str(tmp_path / 'images'))
    work_dir = str(tmp_path / 'work')
    data = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}'
    ]
    env = dict(
        os.environ,
        PORT=str(_free_port()),
        OMP_NUM_THREADS='1',
        PATH='/usr/bin:/bin',
        MIXMIM_VENV=sys.prefix)
    train = subprocess.run([
        sys.executable, 'tools/train.py', TINY_CLASSIFIER, '--work-dir', work_dir, '--cfg-options',
        *data, 'train_cfg.max_iters=2'
    ],
                           cwd=REPO_ROOT,
                           env=env,
                           capture_output=True,
                           text=True,
                           timeout=300)
    assert train.returncode == 0, (train.stdout + train.stderr)[-5000:]
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()

    proc = subprocess.run([
        'bash', 'tools/dist_test.sh', TINY_CLASSIFIER, checkpoint, '2', '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *data
    ],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-5000:]
    assert 'accuracy/top1' in output, output[-3000:]
