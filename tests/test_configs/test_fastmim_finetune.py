"""FastMIM: pretrain at 128 px -> fine-tune at 224 px takes every encoder weight and trains."""
import copy
import math
import uuid
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401
from mixmim_mm.models.utils.pos_embed import resize_rel_pos_bias_table

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'fastmim'
VIT_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
SWIN_ARCH = dict(embed_dims=8, depths=[1, 1, 2, 2], num_heads=[1, 1, 2, 2])
# pretraining config, fine-tuning config, tiny arch, encoder width
PAIRS = {
    'vit': ('fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py',
            'benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py', VIT_ARCH, 32),
    'swin': ('fastmim_swin-base-w4_8xb256-amp-coslr-400e_in1k-128px.py',
             'benchmarks/swin-base-w7_8xb128-coslr-100e_in1k.py', SWIN_ARCH, 64),
}
FINETUNE = sorted(str(p.relative_to(CONFIG_DIR)) for p in (CONFIG_DIR / 'benchmarks').glob('*.py'))


def make_images(root: Path, classes=2, per_class=2):
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f'class{c}').mkdir(parents=True)
        for i in range(per_class):
            mmcv.imwrite(rng.integers(0, 256, size=(240, 250 + 10 * i, 3), dtype=np.uint8),
                         str(root / f'class{c}' / f'{i}.png'))


class CaptureBackbone(Hook):
    """Copy the backbone's weights once they are initialised, before the first step."""

    def __init__(self, store):
        self.store = store

    def before_train(self, runner):
        self.store.update({k: v.clone() for k, v in runner.model.backbone.state_dict().items()})


def small_run(cfg, tmp_path, tag, data_root, with_label):
    cfg.train_dataloader = dict(
        batch_size=2, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='CustomDataset', data_root=str(data_root), with_label=with_label,
                     pipeline=cfg.train_dataloader.dataset.pipeline))
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=2)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.work_dir = str(tmp_path / tag)
    cfg.experiment_name = f'test_{uuid.uuid4().hex}'
    return Runner.from_cfg(cfg)


@pytest.mark.parametrize('family', sorted(PAIRS))
def test_pretrain_128_then_finetune_224(family, tmp_path):
    pre_name, ft_name, arch, width = PAIRS[family]
    make_images(tmp_path / 'images')
    pre = Config.fromfile(str(CONFIG_DIR / pre_name))
    pre.model.backbone.arch = arch
    pre.model.neck.update(in_channels=width, embed_dims=16, depth=1)
    runner = small_run(pre, tmp_path, 'pre', tmp_path / 'images', with_label=False)
    runner.train()
    checkpoint = tmp_path / 'pre' / 'epoch_1.pth'
    saved = {k[len('backbone.'):]: v for k, v in
             torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict'].items()
             if k.startswith('backbone.')}

    ft = Config.fromfile(str(CONFIG_DIR / ft_name))
    ft.model.backbone.arch = arch
    ft.model.backbone.init_cfg.checkpoint = str(checkpoint)
    ft.model.head.update(num_classes=2, in_channels=width)
    ft.data_preprocessor.num_classes = 2
    runner = small_run(ft, tmp_path, 'ft', tmp_path / 'images', with_label=True)
    loaded = {}
    runner.register_hook(CaptureBackbone(loaded), priority='LOWEST')
    runner.train()
    assert runner.iter == 2
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)
    for key, value in saved.items():
        if key.endswith('relative_position_index'):
            continue
        if key not in loaded:
            # MAE's fine-tuning recipe pools without the pretraining's final norm.
            assert family == 'vit' and key.startswith('ln1.'), key
            continue
        target = loaded[key]
        if key == 'pos_embed':
            # 8x8 sin-cos grid interpolated to 14x14 (+ class token).
            assert value.shape == (1, 65, width) and target.shape == (1, 197, width)
            torch.testing.assert_close(target[:, 0], value[:, 0])
        elif key.endswith('relative_position_bias_table') and target.shape != value.shape:
            # Window 4 -> 7 (clipped to the stage map): tables resized bicubically.
            side = int(round(target.shape[0]**.5)) // 2 + 1
            torch.testing.assert_close(target, resize_rel_pos_bias_table(value, (side, side)))
        else:
            torch.testing.assert_close(target, value, msg=key)


@pytest.mark.parametrize('name', FINETUNE)
def test_finetune_config_builds_at_224(name):
    cfg = Config.fromfile(str(CONFIG_DIR / name))
    assert cfg.train_dataloader.batch_size * 8 == 1024
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1e-3 * 1024 / 256)
    assert tuple(cfg.optim_wrapper.optimizer.betas) == (0.9, 0.999)
    crop = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandomResizedCrop']
    assert crop[0].scale == 224
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(copy.deepcopy(cfg.model))
    assert model.backbone.init_cfg['type'] == 'Pretrained'
    assert type(model.backbone).__name__.startswith('Loud')  # missing weights raise
    assert model.head.in_channels == cfg.model.head.in_channels
