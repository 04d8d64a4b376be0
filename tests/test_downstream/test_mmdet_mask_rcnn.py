"""A Mask R-CNN with a MixMAE backbone trains and runs COCO evaluation through mmdet + Runner."""
import os.path as osp
import uuid

import pytest
import torch
from _downstream_data import TEST_CONFIGS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

CONFIG = osp.join(TEST_CONFIGS, 'mask-rcnn_swin-mini-w8_fpn_1xb2-2iter_generated-coco.py')


class Recorder(Hook):
    """Copies the backbone's weights when training starts (after weight initialisation) and
    keeps the metrics of the validation that ends training."""

    def before_train(self, runner):
        self.state = {k: v.detach().clone() for k, v in runner.model.backbone.state_dict().items()}

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics


@pytest.fixture(scope='module')
def trained(coco_root, mini_pretrain_checkpoint, tmp_path_factory):
    ckpt, _ = mini_pretrain_checkpoint
    cfg = Config.fromfile(CONFIG)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = coco_root + '/'
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator.ann_file = osp.join(coco_root, 'annotations', 'val.json')
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    cfg.work_dir = str(tmp_path_factory.mktemp('mask_rcnn_work'))
    cfg.experiment_name = f'mask_rcnn_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.train()  # 2 iterations, then the loop's final validation
    return runner, recorder, recorder.metrics


@pytest.mark.slow
def test_coco_evaluation_reports_box_and_mask_ap(trained):
    _, _, metrics = trained
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP', 'coco/segm_mAP_50'):
        assert key in metrics, sorted(metrics)
        assert 0.0 <= metrics[key] <= 1.0


def test_two_iterations_were_trained(trained):
    runner, snapshot, _ = trained
    assert runner.iter == 2
    after = runner.model.backbone.state_dict()
    assert not torch.equal(after['stages.0.blocks.0.attn.qkv.weight'],
                           snapshot.state['stages.0.blocks.0.attn.qkv.weight'])


def test_backbone_started_from_the_pretraining_checkpoint(trained, mini_pretrain_checkpoint):
    _, snapshot, _ = trained
    _, pretrained = mini_pretrain_checkpoint
    resized = 'stages.2.blocks.0.attn.relative_position_bias_table'  # window 8 -> 4
    for key, value in snapshot.state.items():
        source = pretrained.get('backbone.' + key)
        if key.startswith(('norm0.', 'norm1.', 'norm2.')):
            assert source is None  # output norms only the detector has
        elif key == resized:
            assert value.shape == (7 * 7, 4) and source.shape == (15 * 15, 4)
        else:
            assert torch.equal(value, source), key


def test_layer_decay_reaches_the_backbone(trained):
    runner, _, _ = trained
    scales = {g['param_name']: g['lr_scale'] for g in runner.optim_wrapper.optimizer.param_groups}
    num_layers = sum(runner.model.backbone.depths) + 2  # stem, 5 blocks, rest
    assert scales['backbone.patch_embed.proj.weight'] == pytest.approx(0.85**(num_layers - 1))
    assert scales['backbone.stages.3.blocks.0.mlp.fc1.weight'] == pytest.approx(0.85)
    assert scales['neck.lateral_convs.0.conv.weight'] == 1.0
    assert scales['roi_head.mask_head.conv_logits.weight'] == 1.0
