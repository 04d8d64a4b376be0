"""PVT-L / Twins-SVT-L transfer configs: OpenMMLab's own backbones, initialised from our
pretraining checkpoint through the converter, train 2 iterations of Mask R-CNN / UperNet.

The architectures are shrunk and the data (generated COCO / ADE20K), pipelines and 2-iteration
schedules are taken from the Swin test configs; everything else comes from the real configs.
"""
import os.path as osp
import uuid

import pytest
import torch
from _downstream_data import REPO_ROOT, TEST_CONFIGS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from mixmim_mm.converters import convert_mixmae_encoder, save_checkpoint_file

BENCH = osp.join(REPO_ROOT, 'configs/mixmae/benchmarks')
DATA_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator',
             'test_evaluator', 'train_cfg', 'param_scheduler', 'default_hooks', 'log_processor',
             'env_cfg', 'randomness', 'train_pipeline', 'test_pipeline')
SWIN_TEST = {
    'det': 'mask-rcnn_swin-mini-w8_fpn_1xb2-2iter_generated-coco.py',
    'seg': 'upernet_swin-mini-w8_1xb2-2iter_generated-ade.py'
}

PVT = dict(embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4], mlp_ratios=[2, 2, 2, 2])
SVT = dict(
    embed_dims=[8, 16, 16, 32],
    depths=[2, 2, 2, 2],
    num_heads=[1, 2, 2, 4],
    patch_sizes=[4, 2, 2, 2],
    strides=[4, 2, 2, 2],
    mlp_ratios=[2, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1],
    window_sizes=[4, 4, 2, 2])
WIDTHS = {'pvt': [8, 16, 16, 32], 'svt': [8, 16, 16, 32]}
CASES = {
    'det-pvt': ('det', 'pvt', None, 'mmdetection/mask-rcnn_pvt-large_fpn_8xb2-1x_coco.py',
                dict(pretrain_img_size=64, **PVT)),
    'det-svt': ('det', 'svt', None, 'mmdetection/mask-rcnn_twins-svt-large_fpn_8xb2-1x_coco.py',
                dict(arch=SVT)),
    'seg-pvt': ('seg', 'pvt', None, 'mmsegmentation/upernet_pvt-large_8xb2-160k_ade20k-512x512.py',
                dict(pretrain_img_size=64, **PVT)),
    'seg-svt':
    ('seg', 'svt', 'mmseg', 'mmsegmentation/upernet_twins-svt-large_8xb2-160k_ade20k-512x512.py',
     dict(
         embed_dims=SVT['embed_dims'],
         depths=SVT['depths'],
         num_heads=SVT['num_heads'],
         mlp_ratios=SVT['mlp_ratios'],
         sr_ratios=SVT['sr_ratios'],
         windiow_sizes=SVT['window_sizes'])),
}


def pretraining_state(encoder):
    """A tiny MixMAE pretraining state dict (randomised weights) of the given encoder."""
    backbone = dict(type='MixMAEPVT', arch=PVT) if encoder == 'pvt' else \
        dict(type='MixMAESVT', arch=SVT)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='MixMAE',
                num_images=4,
                backbone=dict(backbone, img_size=64),
                neck=dict(type='MixMAEDecoder', embed_dims=16, depth=1, num_heads=2),
                head=dict(type='MixMAEHead')))
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model.state_dict()


class Snapshot(Hook):

    def before_train(self, runner):
        self.state = {k: v.detach().clone() for k, v in runner.model.backbone.state_dict().items()}


def shrink(task, cfg, swin, widths):
    for key in DATA_KEYS:
        if key in swin:
            cfg[key] = swin[key]
    if task == 'det':
        cfg.model.data_preprocessor = swin.model.data_preprocessor
        for key in ('neck', 'rpn_head', 'roi_head'):
            cfg.model[key] = swin.model[key]
        cfg.model.neck.in_channels = widths
    else:
        cfg.model.data_preprocessor = swin.model.data_preprocessor
        cfg.model.test_cfg = swin.model.test_cfg
        cfg.model.decode_head.update(in_channels=widths, channels=16)
        cfg.model.auxiliary_head.update(in_channels=widths[2], channels=16)


@pytest.mark.slow
@pytest.mark.parametrize('case', sorted(CASES))
def test_openmmlab_backbone_trains_from_the_converted_checkpoint(case, coco_root, ade_root,
                                                                 tmp_path):
    task, encoder, target, config, tiny = CASES[case]
    ckpt = str(tmp_path / 'backbone.pth')
    converted = convert_mixmae_encoder(pretraining_state(encoder), encoder, target)
    save_checkpoint_file(converted, ckpt)

    cfg = Config.fromfile(osp.join(BENCH, config))
    swin = Config.fromfile(osp.join(TEST_CONFIGS, SWIN_TEST[task]))
    shrink(task, cfg, swin, WIDTHS[encoder])
    arch = cfg.model.backbone.pop('arch', None)
    cfg.model.backbone.update(tiny, init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    if arch is not None and 'arch' not in tiny:
        cfg.model.backbone.arch = arch
    root = coco_root if task == 'det' else ade_root
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = root + '/'
    if task == 'det':
        for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
            evaluator.ann_file = osp.join(root, 'annotations', 'val.json')
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'{case}_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    snapshot = Snapshot()
    runner.register_hook(snapshot)
    runner.train()
    assert runner.iter == 2
    fresh = [k for k in snapshot.state if k not in converted]
    assert all(k.startswith(('norm_list.', 'norm_after_stage')) for k in fresh), fresh
    for key, value in converted.items():
        assert torch.equal(snapshot.state[key], value), key
