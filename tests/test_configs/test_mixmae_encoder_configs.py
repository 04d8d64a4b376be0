"""MixMAE on PVT-L, Twins-SVT-L and ViT-B: pretraining (Runner, group mode, 4 images) ->
fine-tuning, each config shrunk only in the architecture and the data."""
import copy
import os.path as osp
import uuid

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IMG = 64

# Tiny architectures with the stage layout (and the cell alignment) of the real encoders.
TINY = {
    'pvt-large': dict(arch=dict(embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4],
                                mlp_ratios=[2, 2, 2, 2])),
    'twins-svt-large': dict(arch=dict(
        embed_dims=[8, 16, 16, 32], depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4],
        patch_sizes=[4, 2, 2, 2], strides=[4, 2, 2, 2], mlp_ratios=[2, 2, 2, 2],
        sr_ratios=[8, 4, 2, 1], window_sizes=[4, 4, 2, 2])),
    'vit-base-p16': dict(arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                   feedforward_channels=64)),
}
WIDTH = {'pvt-large': 32, 'twins-svt-large': 32, 'vit-base-p16': 32}
PRETRAIN = 'configs/mixmae/mixmae_{}_8xb128-amp-coslr-600e_in1k.py'
FINETUNE = 'configs/mixmae/benchmarks/classification/{}_8xb128-coslr-100e_in1k.py'


def write_images(root, num_classes=2, per_class=4):
    rng = np.random.default_rng(0)
    for c in range(num_classes):
        for i in range(per_class):
            mmcv.imwrite(rng.integers(0, 256, (80 + 7 * i, 96, 3), dtype=np.uint8),
                         osp.join(root, f'class_{c}', f'{i}.png'))
    return root


def shrink_run(cfg, tmp, name, pipeline, with_label):
    for t in pipeline:
        if t['type'] == 'RandomResizedCrop':
            t['scale'] = IMG
        if t['type'] == 'RandAugment':
            t['hparams'] = dict(pad_val=128, interpolation='bicubic')
    cfg.train_dataloader = dict(
        batch_size=4, num_workers=0, persistent_workers=False, drop_last=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='CustomDataset', data_root=str(tmp / 'images'),
                     with_label=with_label, pipeline=pipeline))
    cfg.optim_wrapper.type = 'OptimWrapper'  # AMP needs a GPU; the rest is kept
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
    for key in ('val_dataloader', 'val_evaluator', 'val_cfg', 'test_dataloader',
                'test_evaluator', 'test_cfg'):
        cfg[key] = None
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='AtomicCheckpointHook', by_epoch=False,
                                        interval=2, save_best=None)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if h['type'] != 'MixingBatchCheckHook']
    cfg.work_dir = str(tmp / name)
    cfg.experiment_name = f'{name}_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    return cfg


class Snapshot(Hook):

    def before_train(self, runner):
        self.state = {k: v.detach().clone()
                      for k, v in runner.model.backbone.state_dict().items()}


@pytest.mark.parametrize('encoder', sorted(TINY))
def test_pretrain_in_group_mode_then_finetune_from_every_encoder_weight(encoder, tmp_path):
    write_images(str(tmp_path / 'images'))
    # 1. Pretraining: 2 iterations of 4 images mixed into one input.
    cfg = Config.fromfile(osp.join(ROOT, PRETRAIN.format(encoder)))
    assert cfg.model.num_images == 4 and cfg.model.mix_mode == 'group'
    cfg.model.backbone.update(TINY[encoder], img_size=IMG)
    cfg.model.neck.update(in_channels=WIDTH[encoder], embed_dims=32, depth=1, num_heads=2)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    cfg = shrink_run(cfg, tmp_path, 'pretrain', pipeline, with_label=False)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
    ckpt = osp.join(cfg.work_dir, 'iter_2.pth')
    pretrained = {k[len('backbone.'):]: v for k, v in
                  torch.load(ckpt, map_location='cpu')['state_dict'].items()
                  if k.startswith('backbone.')}

    # 2. Fine-tuning from that checkpoint: every encoder weight is loaded.
    cfg = Config.fromfile(osp.join(ROOT, FINETUNE.format(encoder)))
    cfg.model.backbone.update(TINY[encoder], img_size=IMG)
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    cfg.model.head.update(in_channels=WIDTH[encoder], num_classes=2)
    cfg.model.data_preprocessor = dict(num_classes=2)
    cfg.data_preprocessor = dict(num_classes=2)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    cfg = shrink_run(cfg, tmp_path, 'finetune', pipeline, with_label=True)
    runner = Runner.from_cfg(cfg)
    snapshot = Snapshot()
    runner.register_hook(snapshot)
    runner.train()
    assert runner.iter == 2
    fresh = {k for k in snapshot.state if k not in pretrained}
    assert fresh <= {'ln2.weight', 'ln2.bias'}  # ViT's norm after pooling only
    for key, value in pretrained.items():
        assert torch.equal(snapshot.state[key], value), key
