"""Every MixedAE pretraining config builds with the paper's values, and trains 2 Runner steps."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from PIL import Image

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRETRAIN = sorted(glob.glob(osp.join(ROOT, 'configs/mixedae/mixedae*_in1k.py')))
COMPOSE = osp.join(ROOT, 'configs/mixedae/mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
FULL = osp.join(ROOT, 'configs/mixedae/mixedae-full_vit-base-p16_8xb128-amp-coslr-300e_in1k.py')
# Paper Table 4 and section 4.1: base lr 7.5e-5 x clean images / 256.
EXPECTED = {  # name: (mix_mode, total clean images, epochs, arch, decoder depth x width)
    'mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('compose', 4096, 300, 768, (8, 512)),
    'mixedae_vit-base-p16_8xb512-amp-coslr-800e_in1k.py': ('compose', 4096, 800, 768, (8, 512)),
    'mixedae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py': ('compose', 4096, 1600, 768, (8, 512)),
    'mixedae-full_vit-base-p16_8xb128-amp-coslr-300e_in1k.py': ('full', 1024, 300, 768, (8, 512)),
    'mixedae-full-dec2x256_vit-base-p16_8xb128-amp-coslr-300e_in1k.py':
        ('full', 1024, 300, 768, (2, 256)),
    'mixedae_vit-large-p16_8xb256-amp-coslr-1600e_in1k.py': ('compose', 2048, 1600, 1024, (8, 512)),
}


def load(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return cfg


def test_all_pretraining_configs_are_covered():
    assert {osp.basename(p) for p in PRETRAIN} == set(EXPECTED)


@pytest.mark.parametrize('path', PRETRAIN, ids=osp.basename)
def test_config_has_the_papers_values_and_builds(path):
    cfg = load(path)
    mode, images, epochs, width, (depth, dec_width) = EXPECTED[osp.basename(path)]
    assert cfg.model.mix_mode == mode and cfg.model.num_images == 4 and cfg.model.mask_unit == 32
    assert 8 * cfg.train_dataloader.batch_size == images and cfg.train_dataloader.drop_last
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(7.5e-5 * images / 256)
    assert cfg.optim_wrapper.optimizer.betas == (0.9, 0.95)
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    assert cfg.auto_scale_lr.base_batch_size == images
    assert cfg.train_cfg.max_epochs == epochs and cfg.param_scheduler[0].end == 40
    head = cfg.model.contrastive_head
    assert (head.proj_dims, head.temperature, head.loss_weight) == (128, 0.25, 0.1)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(model_cfg)
    assert model.backbone.embed_dims == width and model.backbone.num_global_layers == 1
    assert model.backbone.topk_ratio == 0.25 and model.backbone.segment_embed
    assert len(model.neck.decoder_blocks) == depth
    assert model.neck.decoder_embed.out_features == dec_width
    assert model.neck.decoder_embed.in_features == width
    assert model.neck.grid_size == (14, 14) and model.head.patch_size == 16
    del model


def _tiny_runner_cfg(path, data_root, work_dir):
    cfg = Config.fromfile(path)
    cfg.model.backbone.update(
        arch=dict(embed_dims=32, num_layers=3, num_heads=4, feedforward_channels=64),
        img_size=64)
    cfg.model.neck.update(in_channels=32, embed_dims=16, depth=1, num_heads=2)
    cfg.model.contrastive_head.in_channels = 32
    pipeline = cfg.train_dataloader.dataset.pipeline
    for t in pipeline:  # train at 64 px instead of 224
        if t['type'] == 'RandomResizedCrop':
            t['scale'] = 64
    cfg.train_dataloader = dict(
        batch_size=4, num_workers=0, persistent_workers=False, drop_last=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='CustomDataset', data_root=data_root, with_label=False,
                     pipeline=pipeline))
    cfg.optim_wrapper.type = 'OptimWrapper'  # AMP needs a GPU
    cfg.optim_wrapper.pop('loss_scale')
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)  # 8 images / 4 = 2 iters
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=2)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.work_dir = str(work_dir)
    cfg.resume = False
    cfg.launcher = 'none'
    return cfg


@pytest.mark.parametrize('path', [COMPOSE, FULL], ids=['compose', 'full'])
def test_tiny_mixedae_trains_two_runner_iterations(path, tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 256, (72, 80 + 4 * i, 3), dtype=np.uint8)).save(
            data / f'img_{i}.png')
    runner = Runner.from_cfg(_tiny_runner_cfg(path, str(data), tmp_path / 'work'))
    runner.train()
    assert runner.iter == 2
    hub = runner.message_hub
    for key in ('loss', 'loss_rec', 'loss_homocon', 'topk_acc_layer2', 'topk_acc_layer3'):
        values, _ = hub.get_scalar(f'train/{key}').data
        assert len(values) == 2 and np.all(np.isfinite(values)), key
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
