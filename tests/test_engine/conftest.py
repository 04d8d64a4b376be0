"""Fixtures for engine tests: a tiny classifier config trained on generated images."""
import os
import os.path as osp
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

import mixmim_mm  # noqa: F401  (registers the backend, hooks and safe globals)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(REPO_ROOT, 'tests', 'data', 'configs',
                       'tiny-resnet_2xb4-6iter_generated-images.py')


def write_image_folder(root, num_classes=2, per_class=8, size=16, seed=0):
    """Write ``num_classes`` sub-folders of random RGB PNGs (mmpretrain CustomDataset layout)."""
    rng = np.random.default_rng(seed)
    for c in range(num_classes):
        folder = osp.join(root, f'class_{c}')
        os.makedirs(folder, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(osp.join(folder, f'{i}.png'))
    return root


@pytest.fixture
def tiny_cfg(tmp_path):
    """Return a factory: ``tiny_cfg(work_dir_name)`` -> Config for the tiny classifier.

    Every config gets its own experiment name: mmengine keys its message hub, logger and
    visualizer singletons by it, and two runners built within one second would otherwise
    share them.
    """
    data_root = write_image_folder(str(tmp_path / 'images'))

    def make(work_dir_name='work'):
        cfg = Config.fromfile(TINY_CONFIG)
        cfg.train_dataloader.dataset.data_root = data_root
        cfg.work_dir = str(tmp_path / work_dir_name)
        cfg.experiment_name = f'{work_dir_name}_{uuid.uuid4().hex[:8]}'
        cfg.default_hooks.logger.interval = 100  # keep test output short
        cfg.log_level = 'WARNING'
        return cfg

    return make
