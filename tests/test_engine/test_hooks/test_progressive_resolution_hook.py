"""FastMIM-P: the resolution follows the schedule, also across a resume."""
import copy
import uuid
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401
from mixmim_mm.engine.hooks.progressive_resolution_hook import ProgressiveResolutionHook

SWIN_ARCH = dict(embed_dims=8, depths=[2, 2, 2, 2], num_heads=[1, 1, 2, 2])
# Stage maps at 64/96/128 px: 16..2, 24..3, 32..4; windows 2/3/4 divide every stage.
PHASES = [
    dict(img_size=64, epochs=1, window_size=2),
    dict(img_size=96, epochs=2, window_size=3),
    dict(img_size=128, epochs=1, window_size=4)
]


class RecordSizes(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.sizes = {}
        self.tables = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        sizes = {tuple(x.shape[-2:]) for x in data_batch['inputs']}
        self.sizes.setdefault(runner.epoch, set()).update(sizes)
        table = runner.model.backbone.stages[0].blocks[0].attn.w_msa.relative_position_bias_table
        self.tables[runner.epoch] = table.shape[0]


def make_images(root: Path, count=4):
    rng = np.random.default_rng(0)
    root.mkdir(exist_ok=True)
    for i in range(count):
        mmcv.imwrite(
            rng.integers(0, 256, size=(150 + 9 * i, 170, 3), dtype=np.uint8),
            str(root / f'{i}.png'))


def runner_cfg(tmp_path, phases=PHASES, workers=0, **kwargs):
    make_images(tmp_path / 'images')
    cfg = Config(
        dict(
            default_scope='mmpretrain',
            custom_imports=dict(imports=['mixmim_mm'], allow_failed_imports=False),
            model=dict(
                type='FastMIM',
                mask_unit=32,
                data_preprocessor=dict(
                    type='SelfSupDataPreprocessor',
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375],
                    to_rgb=True),
                backbone=dict(type='SwinTransformer', arch=SWIN_ARCH, img_size=64, window_size=2),
                neck=dict(type='FastMIMDecoder', in_channels=64, out_channels=432, embed_dims=16),
                head=dict(type='FastMIMHead'),
                target_generator=dict(type='HOGTargetGenerator', token_stride=32)),
            train_dataloader=dict(
                batch_size=2,
                num_workers=workers,
                persistent_workers=workers > 0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                collate_fn=dict(type='default_collate'),
                dataset=dict(
                    type='CustomDataset',
                    data_root=str(tmp_path / 'images'),
                    with_label=False,
                    pipeline=[
                        dict(type='LoadImageFromFile'),
                        dict(type='RandomResizedCrop', scale=64, crop_ratio_range=(0.2, 1.)),
                        dict(type='PackInputs')
                    ])),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=sum(p['epochs'] for p in phases)),
            custom_hooks=[dict(type='ProgressiveResolutionHook', phases=phases)],
            default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
            work_dir=str(tmp_path / 'work'),
            experiment_name=f'test_{uuid.uuid4().hex}',
            randomness=dict(seed=0)))
    cfg.merge_from_dict(kwargs)
    return cfg


def train(cfg):
    runner = Runner.from_cfg(cfg)
    record = RecordSizes()
    runner.register_hook(record)
    runner.train()
    return runner, record


@pytest.mark.slow
def test_switches_at_phase_boundaries_and_resume_continues_in_phase(tmp_path):
    cfg = runner_cfg(tmp_path)
    runner, record = train(copy.deepcopy(cfg))
    assert record.sizes == {0: {(64, 64)}, 1: {(96, 96)}, 2: {(96, 96)}, 3: {(128, 128)}}
    # Relative-position tables follow the windows 2 -> 3 -> 4: (2w - 1)^2 rows.
    assert record.tables == {0: 9, 1: 25, 2: 25, 3: 49}
    assert runner.iter == 8

    # Resume from the middle of phase 2 (after epoch 2 of 4).
    checkpoint = Path(cfg.work_dir) / 'epoch_2.pth'
    saved = torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']
    cfg.resume, cfg.load_from = True, str(checkpoint)
    cfg.experiment_name = f'test_{uuid.uuid4().hex}'
    runner = Runner.from_cfg(cfg)
    record = RecordSizes()
    runner.register_hook(record)
    loaded = {}

    class Capture(Hook):

        def before_train(self, runner):
            loaded.update({k: v.clone() for k, v in runner.model.state_dict().items()})

    runner.register_hook(Capture())
    runner.train()
    assert record.sizes == {2: {(96, 96)}, 3: {(128, 128)}}
    # Every tensor of the phase-2 checkpoint was loaded with its own shape, tables included.
    for key, value in saved.items():
        torch.testing.assert_close(loaded[key], value, msg=key)


@pytest.mark.slow
def test_persistent_workers_see_the_new_crop(tmp_path):
    phases = [
        dict(img_size=64, epochs=1, window_size=2),
        dict(img_size=96, epochs=1, window_size=3)
    ]
    _, record = train(runner_cfg(tmp_path, phases=phases, workers=1))
    assert record.sizes == {0: {(64, 64)}, 1: {(96, 96)}}


@pytest.mark.parametrize('phases,match', [
    ([dict(img_size=64, epochs=1), dict(img_size=64, epochs=1)], r'phases\[1\] img_size=64 '
     'does not increase'),
    ([dict(img_size=64, epochs=1, size=3)], r'phases\[0\]'),
])
def test_bad_schedule_fails_at_construction(phases, match):
    with pytest.raises(ValueError, match=match):
        ProgressiveResolutionHook(phases)


@pytest.mark.parametrize('phases,match', [
    ([dict(img_size=64, epochs=1, window_size=2),
      dict(img_size=96, epochs=1, window_size=3)
      ], r'cover 2 epochs \(\[1, 1\]\) but train_cfg.max_epochs=4'),
    ([dict(img_size=64, epochs=2, window_size=2),
      dict(img_size=80, epochs=2, window_size=2)
      ], r'phases\[1\] img_size=80 is not divisible by mask_unit=32'),
    ([dict(img_size=64, epochs=2, window_size=2),
      dict(img_size=96, epochs=2, window_size=4)], r'phases\[1\].*window_size=4'),
])
def test_schedule_checked_against_model_before_training(tmp_path, phases, match):
    cfg = runner_cfg(tmp_path, phases=phases)
    cfg.train_cfg.max_epochs = 4
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=match):
        runner.train()
