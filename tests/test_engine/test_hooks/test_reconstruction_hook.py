import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmpretrain.models.utils import SelfSupDataPreprocessor
from PIL import Image

import mixmim_mm  # noqa: F401


class ToyModel(BaseModel):
    """A scalar weight that records the batches it trains on."""

    def __init__(self, num_images=2, mix_mode='group'):
        super().__init__(
            data_preprocessor=SelfSupDataPreprocessor(
                mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True))
        self.w = nn.Parameter(torch.ones(1))
        self.num_images = num_images
        self.mix_mode = mix_mode
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.seen.append(inputs.sum().item())
        return dict(loss=((inputs.mean() - self.w)**2))


class ToyMixModel(ToyModel):
    """Stands in for MixMAE: ``reconstruct`` follows the MixMAE contract."""

    def reconstruct(self, inputs):
        b, c, h, w = inputs.shape
        n, unit = self.num_images, 16
        m = b // n
        originals = inputs[:m * n].view(m, n, c, h, w)
        ids = torch.randint(0, n, (m, h // unit, w // unit))
        up = ids.repeat_interleave(unit, 1).repeat_interleave(unit, 2)
        mixed = originals.gather(1, up[:, None, None].expand(m, 1, c, h, w)).squeeze(1)
        return dict(
            originals=originals,
            mixed=mixed,
            reconstructions=torch.zeros_like(originals) + self.w.detach(),
            group_ids=ids)


@pytest.fixture
def image_dir(tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(folder / f'{i}.png')
    return str(folder)


def _runner(tmp_path, image_dir, model, hooks, name, max_iters=3):
    return Runner(
        model=model,
        work_dir=str(tmp_path / name),
        experiment_name=f'{name}_{tmp_path.name}',
        train_dataloader=dict(
            dataset=dict(
                type='ImageFolderViews',
                data_root=image_dir,
                views_per_image=4,
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='RandomResizedCrop', scale=32),
                    dict(type='PackInputs'),
                ]),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=hooks,
        default_scope='mmpretrain',
        randomness=dict(seed=0))


def test_writes_pictures_at_interval_and_end(tmp_path, image_dir):
    hook = dict(type='MixMAEReconstructionHook', interval=2, num_images=4)
    runner = _runner(tmp_path, image_dir, ToyMixModel(), [hook], 'pics')
    runner.train()
    out = osp.join(runner.work_dir, 'reconstructions')
    for it in (0, 2, 3):
        with Image.open(osp.join(out, f'iter_{it:06d}.png')) as img:
            assert img.format == 'PNG'
            # 2 mixed inputs of 32 px -> height = label row + 2 cells + gaps
            assert img.size[1] == 14 + 2 * 32 + 3 * 2


def test_training_sees_the_same_data_with_and_without_the_hook(tmp_path, image_dir):
    plain = ToyMixModel()
    _runner(tmp_path, image_dir, plain, [], 'plain').train()
    drawn = ToyMixModel()
    hook = dict(type='MixMAEReconstructionHook', interval=1, num_images=4)
    _runner(tmp_path, image_dir, drawn, [hook], 'drawn').train()
    assert drawn.seen == plain.seen


def test_group_mode_needs_a_multiple_of_num_images(tmp_path, image_dir):
    hook = dict(type='MixMAEReconstructionHook', interval=1, num_images=5)
    runner = _runner(tmp_path, image_dir, ToyMixModel(num_images=2), [hook], 'bad')
    with pytest.raises(ValueError, match='num_images'):
        runner.train()


def test_model_without_reconstruct_is_rejected(tmp_path, image_dir):
    hook = dict(type='MixMAEReconstructionHook', interval=1, num_images=4)
    runner = _runner(tmp_path, image_dir, ToyModel(), [hook], 'norec')
    with pytest.raises(TypeError, match='reconstruct'):
        runner.train()
