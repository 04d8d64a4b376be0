"""Mask R-CNN on a plain ViT with the simple feature pyramid (the PixMIM COCO config, shrunk):
loss forward, 2 Runner iterations with COCO evaluation, and loading a PixMIM checkpoint."""
import copy
import math
import os.path as osp
import uuid

import numpy as np
import pytest
import torch
from _downstream_data import REPO_ROOT, TEST_CONFIGS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mixmim_mm.converters import save_checkpoint_file

CONFIG = osp.join(TEST_CONFIGS, 'mask-rcnn_vit-tiny-p16-sfp_1xb2-2iter_generated-coco.py')


def tiny_cfg(coco_root):
    cfg = Config.fromfile(CONFIG)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = coco_root + '/'
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator.ann_file = osp.join(coco_root, 'annotations', 'val.json')
    return cfg


@pytest.fixture(scope='module')
def pixmim_checkpoint(tmp_path_factory):
    """A tiny PixMIM (MAE host) pretraining checkpoint at 64 px, i.e. a 4x4 position grid."""
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='PixMIM',
                data_preprocessor=dict(
                    type='SelfSupDataPreprocessor',
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375],
                    to_rgb=True),
                backbone=dict(
                    type='MAEViT',
                    arch=dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=128),
                    img_size=64,
                    patch_size=16,
                    mask_ratio=0.75),
                neck=dict(
                    type='MAEPretrainDecoder',
                    num_patches=16,
                    patch_size=16,
                    embed_dim=64,
                    decoder_embed_dim=32,
                    decoder_depth=1,
                    decoder_num_heads=2),
                head=dict(
                    type='MAEPretrainHead',
                    norm_pix=True,
                    patch_size=16,
                    loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    model.init_weights()
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    path = str(tmp_path_factory.mktemp('pixmim') / 'pixmim_tiny.pth')
    save_checkpoint_file(model.state_dict(), path)
    return path, {k: v.clone() for k, v in model.state_dict().items()}


def test_loss_forward_on_a_generated_sample(coco_root):
    import mmdet.models  # noqa: F401
    from mmdet.registry import DATASETS, MODELS
    cfg = tiny_cfg(coco_root)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        model.init_weights()
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        np.random.seed(0)  # the LSJ crop
        samples = [dataset[0], dataset[1]]  # each access draws a new crop: take each once
        data = model.data_preprocessor(
            dict(
                inputs=[s['inputs'] for s in samples],
                data_samples=[s['data_samples'] for s in samples]), True)
        losses = model(**data, mode='loss')
    for key in ('loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'loss_mask'):
        value = losses[key]
        value = sum(value) if isinstance(value, list) else value
        assert math.isfinite(value.item()), key


class Recorder(Hook):

    def before_train(self, runner):
        self.state = {k: v.detach().clone() for k, v in runner.model.backbone.state_dict().items()}

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics


@pytest.fixture(scope='module')
def trained(coco_root, pixmim_checkpoint, tmp_path_factory):
    ckpt, _ = pixmim_checkpoint
    cfg = tiny_cfg(coco_root)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    cfg.work_dir = str(tmp_path_factory.mktemp('vit_sfp_work'))
    cfg.experiment_name = f'vit_sfp_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.train()  # 2 iterations, then the loop's final validation
    return runner, recorder


@pytest.mark.slow
def test_two_iterations_and_coco_evaluation(trained):
    runner, recorder = trained
    assert runner.iter == 2
    for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
        assert 0.0 <= recorder.metrics[key] <= 1.0
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)


def test_backbone_started_from_the_pixmim_checkpoint(trained, pixmim_checkpoint):
    from mmpretrain.models.utils import resize_pos_embed
    _, recorder = trained
    _, pretrained = pixmim_checkpoint
    state = recorder.state
    for key in ('patch_embed.projection.weight', 'layers.1.attn.qkv.weight', 'cls_token',
                'layers.0.ffn.layers.1.weight'):
        assert torch.equal(state[key], pretrained['backbone.' + key]), key
    # 4x4 (64 px) position grid interpolated to the detector's 8x8 (128 px).
    expected = resize_pos_embed(pretrained['backbone.pos_embed'], (4, 4), (8, 8), 'bicubic', 1)
    torch.testing.assert_close(state['pos_embed'], expected)


def test_layer_decay_reaches_the_vit(trained):
    runner, _ = trained
    scales = {g['param_name']: g['lr_scale'] for g in runner.optim_wrapper.optimizer.param_groups}
    layers = 2 + 2  # stem, 2 blocks, rest
    assert scales['backbone.patch_embed.projection.weight'] == pytest.approx(0.75**(layers - 1))
    assert scales['backbone.layers.1.attn.qkv.weight'] == pytest.approx(0.75)
    assert scales['neck.stages.0.1.conv.weight'] == 1.0
    groups = runner.optim_wrapper.optimizer.param_groups
    decays = {g['param_name']: g['weight_decay'] for g in groups}
    assert decays['backbone.pos_embed'] == 0 and decays['neck.stages.0.1.ln.weight'] == 0
    assert decays['backbone.layers.0.attn.qkv.weight'] == pytest.approx(0.1)


def test_config_is_unchanged_by_the_shrinking(coco_root):
    # The tiny config keeps the real config's structure; only sizes and data differ.
    real = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'pixmim', 'benchmarks',
                 'mask-rcnn_vit-base-p16-sfp_8xb8-lsj-100e_coco.py'))
    tiny = tiny_cfg(coco_root)
    assert tiny.model.backbone.type == real.model.backbone.type == 'mmpretrain.VisionTransformer'
    assert tiny.model.neck.type == real.model.neck.type == 'SimpleFeaturePyramid'
    assert tiny.optim_wrapper == copy.deepcopy(real.optim_wrapper)
