"""tools/visualization/vis_mixmae_reconstruction.py writes the grid from a config + checkpoint."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from PIL import Image

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'visualization', 'vis_mixmae_reconstruction.py')
DEMO = osp.join(ROOT, 'configs', 'mixmae', 'mixmae_swin-mini_1xb32-1200iter_sample-images.py')


def save_fresh_checkpoint(cfg, tmp_path):
    """A checkpoint of the config's model at initialisation."""
    init_default_scope('mmpretrain')
    ckpt = tmp_path / 'model.pth'
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict(), 'meta': {}}, ckpt)
    return ckpt


@pytest.mark.slow
def test_tool_draws_one_row_per_mixed_input(tmp_path):
    ckpt = save_fresh_checkpoint(Config.fromfile(DEMO), tmp_path)
    folder = tmp_path / 'images'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (140, 160, 3),
                                     dtype=np.uint8)).save(folder / f'{i}.png')
    out = tmp_path / 'grid.png'
    subprocess.run([
        sys.executable, TOOL, DEMO,
        str(ckpt), '--out',
        str(out), '--data-root',
        str(folder), '--num-inputs', '2', '--seed', '1'
    ],
                   check=True,
                   cwd=ROOT)
    with Image.open(out) as img:
        width, height = img.size
    # demo: 128 px crops, 4 images per mixed input -> 4 + 1 + 4 + 4 columns, 2 rows, 2 px gaps
    assert (width, height) == (13 * 128 + 14 * 2, 14 + 2 * 128 + 3 * 2)


@pytest.mark.slow
def test_tool_takes_a_collate_dict_with_a_registry_scope(tmp_path):
    # A config that inherits an `mmpretrain::` data base carries `_scope_` in its collate dict;
    # it names the registry, it is not an argument of the function.
    config = tmp_path / 'scoped_collate.py'
    config.write_text(f"_base_ = ['{DEMO}']\n"
                      "train_dataloader = dict(\n"
                      "    collate_fn=dict(type='default_collate', _scope_='mmpretrain'))\n")
    cfg = Config.fromfile(str(config))
    assert cfg.train_dataloader.collate_fn._scope_ == 'mmpretrain'
    ckpt = save_fresh_checkpoint(cfg, tmp_path)
    folder = tmp_path / 'images'
    folder.mkdir()
    for i in range(4):
        Image.fromarray(np.full((140, 160, 3), 40 * i, dtype=np.uint8)).save(folder / f'{i}.png')
    out = tmp_path / 'grid.png'
    subprocess.run([
        sys.executable, TOOL,
        str(config),
        str(ckpt), '--out',
        str(out), '--data-root',
        str(folder), '--num-inputs', '1'
    ],
                   check=True,
                   cwd=ROOT)
    assert osp.isfile(out)
