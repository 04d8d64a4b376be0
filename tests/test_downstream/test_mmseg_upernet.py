"""A UperNet with a MixMAE backbone trains and evaluates mIoU through mmseg + Runner."""
import os.path as osp
import uuid

import pytest
import torch
from _downstream_data import TEST_CONFIGS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

CONFIG = osp.join(TEST_CONFIGS, 'upernet_swin-mini-w8_1xb2-2iter_generated-ade.py')


class Recorder(Hook):
    """Backbone weights when training starts; metrics of the final validation."""

    def before_train(self, runner):
        self.state = {k: v.detach().clone() for k, v in runner.model.backbone.state_dict().items()}

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics


@pytest.fixture(scope='module')
def trained(ade_root, mini_pretrain_checkpoint, tmp_path_factory):
    ckpt, _ = mini_pretrain_checkpoint
    cfg = Config.fromfile(CONFIG)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = ade_root
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    cfg.work_dir = str(tmp_path_factory.mktemp('upernet_work'))
    cfg.experiment_name = f'upernet_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.train()  # 2 iterations, then the loop's final validation
    return runner, recorder


@pytest.mark.slow
def test_miou_is_evaluated(trained):
    _, recorder = trained
    assert {'mIoU', 'mAcc', 'aAcc'} <= set(recorder.metrics), recorder.metrics
    assert 0.0 <= recorder.metrics['mIoU'] <= 100.0


def test_two_iterations_were_trained(trained):
    runner, recorder = trained
    assert runner.iter == 2
    key = 'stages.3.blocks.0.mlp.fc2.weight'
    assert not torch.equal(runner.model.backbone.state_dict()[key], recorder.state[key])


def test_backbone_started_from_the_pretraining_checkpoint(trained, mini_pretrain_checkpoint):
    _, recorder = trained
    _, pretrained = mini_pretrain_checkpoint
    for key in ('patch_embed.proj.weight', 'stages.1.downsample.reduction.weight',
                'stages.2.blocks.1.attn.relative_position_bias_table', 'norm3.weight'):
        assert torch.equal(recorder.state[key], pretrained['backbone.' + key]), key


def test_layer_decay_reaches_the_backbone(trained):
    runner, _ = trained
    groups = runner.optim_wrapper.optimizer.param_groups
    scales = {g['param_name']: g['lr_scale'] for g in groups}
    assert scales['backbone.stages.0.blocks.0.attn.qkv.weight'] == pytest.approx(0.85**5)
    assert scales['decode_head.fpn_bottleneck.conv.weight'] == 1.0
    decays = {g['param_name']: g['weight_decay'] for g in groups}
    assert decays['backbone.stages.0.blocks.0.norm1.weight'] == 0.0
    assert decays['backbone.stages.0.blocks.0.attn.qkv.bias'] == 0.0
    assert decays['backbone.stages.0.blocks.0.attn.qkv.weight'] == 0.05
