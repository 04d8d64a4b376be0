"""The demo config (README's first command) trains, saves and draws; its data is one option."""
import glob
import os.path as osp
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs', 'mixmae', 'mixmae_swin-mini_1xb32-1200iter_sample-images.py')


def tiny_demo_cfg(work_dir, max_iters=2):
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'demo_{uuid.uuid4().hex[:8]}'
    cfg.train_cfg.max_iters = max_iters
    cfg.train_dataloader.batch_size = 4  # one mixed input of 4 images
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.dataset.views_per_image = 1
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = max_iters
    for hook in cfg.custom_hooks:
        if hook.type == 'MixMAEReconstructionHook':
            hook.update(interval=1, num_images=4)
    return cfg


def test_demo_uses_the_bundled_photographs_by_default():
    cfg = Config.fromfile(DEMO)
    assert cfg.train_dataloader.dataset.type == 'ImageFolderViews'
    assert cfg.train_dataloader.dataset.data_root is None


@pytest.mark.slow
def test_demo_writes_checkpoint_log_and_picture(tmp_path, train_precision):
    work_dir = tmp_path / 'demo'
    runner = Runner.from_cfg(train_precision(tiny_demo_cfg(work_dir)))
    runner.train()
    assert runner.optim_wrapper.precision == train_precision.precision
    assert osp.isfile(work_dir / 'iter_2.pth')
    with open(work_dir / 'last_checkpoint') as f:
        assert f.read().strip().endswith('iter_2.pth')
    logs = glob.glob(str(work_dir / '*' / '*.log'))
    assert logs and 'loss:' in open(logs[0]).read()
    with Image.open(work_dir / 'reconstructions' / 'iter_000002.png') as img:
        assert img.format == 'PNG'


def test_demo_trains_on_any_folder_with_one_option(tmp_path):
    folder = tmp_path / 'my_images'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (150, 170, 3),
                                     dtype=np.uint8)).save(folder / f'{i}.jpg')
    cfg = tiny_demo_cfg(tmp_path / 'work', max_iters=1)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': str(folder)})
    runner = Runner.from_cfg(cfg)
    runner.train()
    dataset = runner.train_dataloader.dataset
    assert dataset.num_images == 4
    assert dataset.get_data_info(0)['img_path'].startswith(str(folder))


class LossRecorder(Hook):
    """Collects the training loss of every iteration."""

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss']))


@pytest.mark.slow
def test_demo_loss_falls_within_its_first_120_iterations(tmp_path):
    # The README's demo as configured (batch 32, bundled photographs), cut to 120 of its
    # 1200 iterations: the loss must already fall clearly (the full run: ~1.06 -> ~0.73).
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(tmp_path / 'demo')
    cfg.experiment_name = f'demo_{uuid.uuid4().hex[:8]}'
    cfg.train_cfg.max_iters = 120
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.default_hooks.logger.interval = 1000
    cfg.default_hooks.checkpoint.interval = 1000
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h.type != 'MixMAEReconstructionHook']
    runner = Runner.from_cfg(cfg)
    recorder = LossRecorder()
    runner.register_hook(recorder)
    runner.train()
    first, last = np.mean(recorder.losses[:20]), np.mean(recorder.losses[-20:])
    print(f'mean loss of iterations 1-20: {first:.4f}, 101-120: {last:.4f}')
    assert last < 0.9 * first
