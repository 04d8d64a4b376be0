"""Every FastMIM pretraining config builds with the paper's settings and trains 2 iterations."""
import copy
import math
import uuid
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'fastmim'
# name -> (pretraining epochs, mask block, decoder (depth, width), paper top-1 in the comment)
PRETRAIN = {
    'fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py': (400, 16, (1, 256), '83.6'),
    'fastmim_vit-base-p16_8xb256-amp-coslr-800e_in1k-128px.py': (800, 16, (1, 256), '83.8'),
    'fastmim-p_vit-large-p16_8xb256-amp-coslr-800e_in1k-128-192px.py':
    (800, 16, (8, 512), '85.7'),
    'fastmim_swin-base-w4_8xb256-amp-coslr-400e_in1k-128px.py': (400, 32, (4, 256), '84.1'),
    'fastmim-p_swin-large-w8_8xb256-amp-step-400e_in1k-128-192px.py':
    (400, 32, (4, 512), '85.5'),
    'fastmim_convnext-tiny_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '82.6'),
    'fastmim_convnext-base_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.0'),
    'fastmim_convnext-v2-base_8xb256-amp-coslr-800e_in1k-128px.py':
    (800, 32, (4, 256), '84.0'),
    'fastmim_twins-svt-large_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.0'),
    'fastmim_pvt-large_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '82.9'),
    'fastmim_pvt-v2-b2_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '82.6'),
    'fastmim_pvt-v2-b5_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.3'),
}
# Tiny versions of each backbone family, same type and stride; output width -> neck.
TINY = {
    'FastMIMViT': (dict(arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                  feedforward_channels=64)), 32),
    'SwinTransformer': (dict(arch=dict(embed_dims=8, depths=[1, 1, 2, 2],
                                       num_heads=[1, 1, 2, 2])), 64),
    'ConvNeXt': (dict(arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32, 64])), 64),
    'SVT': (dict(arch=dict(embed_dims=[8, 16, 32, 64], depths=[1, 1, 1, 1],
                           num_heads=[1, 1, 2, 2], patch_sizes=[4, 2, 2, 2],
                           strides=[4, 2, 2, 2], mlp_ratios=[2, 2, 2, 2], sr_ratios=[8, 4, 2, 1],
                           window_sizes=[7, 7, 7, 7])), 64),
    'mmdet.PyramidVisionTransformer': (dict(embed_dims=8, num_layers=[1, 1, 1, 1]), 64),
    'mmdet.PyramidVisionTransformerV2': (dict(embed_dims=8, num_layers=[1, 1, 1, 1]), 64),
}


# Beyond the paper: FastMIM's HOG target on MixMAE, PixMIM's low-pass target in FastMIM.
COMPOSITIONS = ['mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k.py',
                'fastmim-lowpass_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py']


def load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


def test_every_pretraining_config_is_tested():
    # The pipeline-target twins are tested in test_fastmim_pipeline_target_configs.py.
    found = {p.name for p in CONFIG_DIR.glob('*.py')
             if not p.name.endswith('-pipeline-target.py')}
    assert found == set(PRETRAIN) | set(COMPOSITIONS)


@pytest.mark.parametrize('name', sorted(PRETRAIN))
def test_pretrain_config_has_paper_settings(name):
    epochs, block, (depth, width), top1 = PRETRAIN[name]
    cfg = load(name)
    header = []
    for line in (CONFIG_DIR / name).read_text().splitlines():
        if not line.startswith('#'):
            break
        header.append(line)
    assert top1 in ' '.join(header)
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.model.type == 'FastMIM' and cfg.model.mask_ratio == 0.75
    assert cfg.model.mask_block == block
    assert cfg.model.target_generator.token_stride == block
    assert cfg.model.neck.out_channels == 27 * (block // 8)**2
    assert (cfg.model.neck.depth, cfg.model.neck.embed_dims) == (depth, width)
    # Table 11: AdamW, 1.5e-4 * 2048 / 256, betas (0.9, 0.95), wd 0.05, batch 2048, warm-up 10.
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.lr == pytest.approx(1.5e-4 * 2048 / 256)
    assert tuple(optimizer.betas) == (0.9, 0.95) and optimizer.weight_decay == 0.05
    assert cfg.train_dataloader.batch_size * 8 == 2048
    assert cfg.param_scheduler[0].end == 10
    crop = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandomResizedCrop']
    assert crop[0].scale == 128
    hooks = {h.type: h for h in cfg.get('custom_hooks', [])}
    if name.startswith('fastmim-p'):
        phases = hooks['ProgressiveResolutionHook'].phases
        assert [p['img_size'] for p in phases] == [128, 160, 192]
        assert sum(p['epochs'] for p in phases) == epochs
    else:
        assert 'ProgressiveResolutionHook' not in hooks


def make_images(root: Path, count=4):
    rng = np.random.default_rng(0)
    root.mkdir(exist_ok=True)
    for i in range(count):
        shape = (140 + 7 * i, 170 - 5 * i, 3)
        mmcv.imwrite(rng.integers(0, 256, size=shape, dtype=np.uint8), str(root / f'{i}.png'))


def shrink(cfg):
    """The config with a tiny backbone of the same family (same stride) and decoder."""
    backbone = cfg.model.backbone
    tiny, width = TINY[backbone.type]
    backbone.update(copy.deepcopy(tiny))
    if backbone.type == 'mmdet.PyramidVisionTransformer':
        backbone.pop('num_heads', None)
        backbone.pop('mlp_ratios', None)
        width = 8 * 8  # embed_dims * num_heads[-1] (mmdet's default heads 1/2/5/8)
    if backbone.type == 'mmdet.PyramidVisionTransformerV2':
        backbone.pop('mlp_ratios', None)
        width = 8 * 8
    cfg.model.neck.update(in_channels=width, embed_dims=16, depth=1)
    return cfg


def train_two_iterations(cfg, tmp_path, batch_size=2):
    """Run 2 Runner iterations of ``cfg`` on generated images; returns the runner and the
    input shapes the target generator saw."""
    make_images(tmp_path / 'images', count=2 * batch_size)
    cfg.train_dataloader = dict(
        batch_size=batch_size, drop_last=True, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='CustomDataset', data_root=str(tmp_path / 'images'),
                     with_label=False, pipeline=cfg.train_dataloader.dataset.pipeline))
    # AMP needs a GPU; the rest of the optimiser settings are kept.
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=2)]
    # The resolution schedule has its own Runner test (tests/test_engine/test_hooks).
    cfg.custom_hooks = []
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'test_{uuid.uuid4().hex}'
    runner = Runner.from_cfg(cfg)
    seen = []
    runner.model.target_generator.register_forward_hook(
        lambda module, args, out: seen.append(tuple(args[0].shape)))
    runner.train()
    assert runner.iter == 2
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
    return runner, seen


@pytest.mark.parametrize('name', sorted(PRETRAIN))
def test_two_runner_iterations_at_128(name, tmp_path):
    _, seen = train_two_iterations(shrink(load(name)), tmp_path)
    assert seen == [(2, 3, 128, 128)] * 2


def test_mixmae_with_hog_target_trains(tmp_path):
    cfg = load(COMPOSITIONS[0])
    assert cfg.model.type == 'MixMAE' and cfg.model.neck.out_channels == 432
    # MixMAE Swin at toy widths, 128 px = 4 x 4 mask cells of 32 px.
    cfg.model.backbone.update(arch='mini', img_size=128, window_size=(8, 8, 8, 4))
    cfg.model.neck.update(in_channels=256, embed_dims=32, depth=1, num_heads=2)
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'RandomResizedCrop':
            t['scale'] = 128
    runner, seen = train_two_iterations(cfg, tmp_path, batch_size=4)
    assert type(runner.model.target_generator).__name__ == 'HOGTargetGenerator'
    assert seen == [(4, 3, 128, 128)] * 2


def test_fastmim_with_low_pass_target_trains(tmp_path):
    cfg = shrink(load(COMPOSITIONS[1]))
    cfg.model.neck.out_channels = 16 * 16 * 3
    runner, seen = train_two_iterations(cfg, tmp_path)
    generator = runner.model.target_generator
    assert type(generator).__name__ == 'LowPassTargetGenerator'
    assert generator.effective_radius(128, 128) == pytest.approx(40 * 128 / 224)
    assert seen == [(2, 3, 128, 128)] * 2
