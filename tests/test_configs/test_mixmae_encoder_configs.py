"""MixMAE on PVT-L, Twins-SVT-L and ViT-B: pretraining (Runner, group mode, 4 images) ->
fine-tuning, each config as shipped at narrow widths on tiny data."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ENCODERS = ('pvt-large', 'twins-svt-large', 'vit-base-p16')
PRETRAIN = 'configs/mixmae/mixmae_{}_8xb128-amp-coslr-600e_in1k.py'
FINETUNE = 'configs/mixmae/benchmarks/classification/{}_8xb128-coslr-100e_in1k.py'


class Snapshot(Hook):

    def before_train(self, runner):
        self.state = {k: v.detach().clone() for k, v in runner.model.backbone.state_dict().items()}


@pytest.mark.slow
@pytest.mark.parametrize('encoder', ENCODERS)
def test_pretrain_in_group_mode_then_finetune_from_every_encoder_weight(encoder, shipped_runner):
    # 1. Pretraining as shipped (narrow widths): 4 images mixed into one input.
    assert Config.fromfile(osp.join(ROOT, PRETRAIN.format(encoder))).model.num_images == 4
    runner, steps = shipped_runner(PRETRAIN.format(encoder), work_dir='pretrain')
    runner.train()
    assert runner.iter == steps
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
    ckpt = osp.join(runner.work_dir, f'epoch_{steps}.pth')
    pretrained = {
        k[len('backbone.'):]: v
        for k, v in torch.load(ckpt, map_location='cpu')['state_dict'].items()
        if k.startswith('backbone.')
    }

    # 2. Fine-tuning from that checkpoint: every encoder weight is loaded.
    def from_pretraining(cfg):
        cfg.model.backbone.init_cfg.checkpoint = ckpt

    runner, steps = shipped_runner(
        FINETUNE.format(encoder), changes=from_pretraining, work_dir='finetune')
    snapshot = Snapshot()
    runner.register_hook(snapshot)
    runner.train()
    assert runner.iter == steps
    fresh = {k for k in snapshot.state if k not in pretrained}
    assert fresh <= {'ln2.weight', 'ln2.bias'}  # ViT's norm after pooling only
    for key, value in pretrained.items():
        assert torch.equal(snapshot.state[key], value), key
