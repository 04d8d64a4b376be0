"""Pretrain (MixMAE, Runner) -> extract the backbone (converter tool) -> fine-tune (Runner).

The fine-tuned classifier must start from exactly the pretrained encoder weights.
"""
import glob
import os
import os.path as osp
import runpy
import sys
import uuid

import numpy as np
import pytest
import torch
from _downstream_data import REPO_ROOT, TEST_CONFIGS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image

from mixmim_mm.converters import load_state_dict_file

# The pretraining demo config (a mini MixMAE on scikit-image's sample photographs).
PRETRAIN_CONFIG, = glob.glob(
    osp.join(REPO_ROOT, 'configs/mixmae/mixmae_swin-mini_*_sample-images.py'))
FINETUNE_CONFIG = osp.join(TEST_CONFIGS, 'swin-mini-w8_1xb4-2iter_generated-images.py')
CONVERTER = osp.join(REPO_ROOT, 'tools/model_converters/mixmae_to_backbone.py')


class Snapshot(Hook):

    def before_train(self, runner):
        self.state = {k: v.detach().clone() for k, v in runner.model.backbone.state_dict().items()}


def write_classes(root, num_classes=2, per_class=4, size=96):
    rng = np.random.default_rng(0)
    for c in range(num_classes):
        os.makedirs(osp.join(root, f'class_{c}'))
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(osp.join(root, f'class_{c}', f'{i}.png'))
    return root


def unique(name):
    return f'{name}_{uuid.uuid4().hex[:8]}'


@pytest.fixture(scope='module')
def chain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('chain')
    # 1. Pretrain the demo's mini MixMAE for 2 iterations (scikit-image sample photos).
    cfg = Config.fromfile(PRETRAIN_CONFIG)
    cfg.merge_from_dict({
        'train_cfg.max_iters': 2,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'default_hooks.checkpoint.interval': 2,
        'param_scheduler': [dict(type='ConstantLR', factor=1.0, by_epoch=False)],
    })
    cfg.custom_hooks = []
    cfg.work_dir = str(tmp / 'pretrain')
    cfg.experiment_name = unique('pretrain')
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    pretrain_ckpt = osp.join(cfg.work_dir, 'iter_2.pth')

    # 2. Backbone-only checkpoint with the command-line converter.
    backbone_ckpt = str(tmp / 'backbone.pth')
    argv = sys.argv
    sys.argv = [CONVERTER, pretrain_ckpt, backbone_ckpt]
    try:
        runpy.run_path(CONVERTER, run_name='__main__')
    finally:
        sys.argv = argv

    # 3. Fine-tune 2 iterations from it.
    cfg = Config.fromfile(FINETUNE_CONFIG)
    cfg.train_dataloader.dataset.data_root = write_classes(str(tmp / 'images'))
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=backbone_ckpt)
    cfg.work_dir = str(tmp / 'finetune')
    cfg.experiment_name = unique('finetune')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    snapshot = Snapshot()
    runner.register_hook(snapshot)
    runner.train()
    return dict(
        pretrain=load_state_dict_file(pretrain_ckpt),
        backbone=load_state_dict_file(backbone_ckpt),
        runner=runner,
        snapshot=snapshot,
        finetune_dir=cfg.work_dir)


@pytest.mark.slow
def test_backbone_checkpoint_is_the_pretrained_encoder(chain):
    pretrain, backbone = chain['pretrain'], chain['backbone']
    encoder = {k[len('backbone.'):]: v for k, v in pretrain.items() if k.startswith('backbone.')}
    assert set(backbone) == set(encoder)
    for key, value in encoder.items():
        assert torch.equal(backbone[key], value), key
    assert not any(k.startswith('neck.') for k in backbone)


def test_finetuning_starts_from_the_pretrained_weights(chain):
    loaded, pretrain = chain['snapshot'].state, chain['pretrain']
    assert set(loaded) == {k[len('backbone.'):] for k in pretrain if k.startswith('backbone.')}
    for key, value in loaded.items():
        assert torch.equal(value, pretrain['backbone.' + key]), key


def test_finetuning_trained_two_iterations(chain):
    runner = chain['runner']
    assert runner.iter == 2
    assert glob.glob(osp.join(chain['finetune_dir'], 'iter_2.pth'))
    key = 'stages.3.blocks.0.attn.qkv.weight'
    assert not torch.equal(runner.model.backbone.state_dict()[key], chain['snapshot'].state[key])


def test_classification_layer_decay_uses_the_swin_layout(chain):
    runner = chain['runner']
    scales = {g['param_name']: g['lr_scale'] for g in runner.optim_wrapper.optimizer.param_groups}
    top = sum(runner.model.backbone.depths) + 1  # head / output norm layer id
    assert scales['backbone.patch_embed.proj.weight'] == pytest.approx(0.7**top)
    # Patch merging of stage 1 shares the id of stage 1's first block (= 2 here).
    assert scales['backbone.stages.1.downsample.reduction.weight'] == pytest.approx(0.7**(top - 2))
    assert scales['backbone.stages.1.blocks.0.attn.qkv.weight'] == pytest.approx(0.7**(top - 2))
    assert scales['head.fc.weight'] == 1.0
