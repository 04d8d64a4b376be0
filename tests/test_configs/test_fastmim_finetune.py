"""FastMIM: pretrain at 128 px -> fine-tune at 224 px takes every encoder weight and trains."""
import copy
import math
import os.path as osp
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401
from mixmim_mm.models.utils.pos_embed import resize_rel_pos_bias_table

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'fastmim'
# pretraining config, fine-tuning config
PAIRS = {
    'vit': ('fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py',
            'benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py'),
    'swin': ('fastmim_swin-base-w4_8xb256-amp-coslr-400e_in1k-128px.py',
             'benchmarks/swin-base-w7_8xb128-coslr-100e_in1k.py'),
}
FINETUNE = sorted(str(p.relative_to(CONFIG_DIR)) for p in (CONFIG_DIR / 'benchmarks').glob('*.py'))


class CaptureBackbone(Hook):
    """Copy the backbone's weights once they are initialised, before the first step."""

    def __init__(self, store):
        self.store = store

    def before_train(self, runner):
        self.store.update({k: v.clone() for k, v in runner.model.backbone.state_dict().items()})


@pytest.mark.slow
@pytest.mark.parametrize('family', sorted(PAIRS))
def test_pretrain_128_then_finetune_224(family, shipped_runner):
    pre_name, ft_name = PAIRS[family]
    runner, steps = shipped_runner(f'configs/fastmim/{pre_name}', work_dir='pre')
    runner.train()
    checkpoint = osp.join(runner.work_dir, f'epoch_{steps}.pth')
    saved = {
        k[len('backbone.'):]: v
        for k, v in torch.load(checkpoint, map_location='cpu', weights_only=False)
        ['state_dict'].items() if k.startswith('backbone.')
    }

    def from_pretraining(cfg):
        cfg.model.backbone.init_cfg.checkpoint = checkpoint

    runner, steps = shipped_runner(
        f'configs/fastmim/{ft_name}', changes=from_pretraining, work_dir='ft')
    loaded = {}
    runner.register_hook(CaptureBackbone(loaded), priority='LOWEST')
    runner.train()
    assert runner.iter == steps
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
            width = value.shape[-1]
            assert value.shape == (1, 65, width) and target.shape == (1, 197, width)
            torch.testing.assert_close(target[:, 0], value[:, 0])
        elif key.endswith('relative_position_bias_table') and target.shape != value.shape:
            # Window 4 -> 7 (clipped to the stage map): tables resized bicubically.
            side = int(round(target.shape[0]**.5)) // 2 + 1
            torch.testing.assert_close(target, resize_rel_pos_bias_table(value, (side, side)))
        else:
            torch.testing.assert_close(target, value, msg=key)


@pytest.mark.slow
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
