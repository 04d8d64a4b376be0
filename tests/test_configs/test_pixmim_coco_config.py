"""The PixMIM COCO Mask R-CNN config (ViT-B, simple feature pyramid) builds and follows Table 14."""
import copy
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401

CONFIG = (
    Path(__file__).parents[2] / 'configs' / 'pixmim' / 'benchmarks' /
    'mask-rcnn_vit-base-p16-sfp_8xb8-lsj-100e_coco.py')


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(str(CONFIG))


def test_table14_settings(cfg):
    assert cfg.custom_imports['imports'] == ['mixmim_mm']
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'FastAdamW' and optimizer.lr == 8e-5
    assert optimizer.weight_decay == 0.1 and tuple(optimizer.betas) == (0.9, 0.999)
    assert cfg.optim_wrapper.constructor == 'BackboneLayerDecayOptimWrapperConstructor'
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert cfg.train_dataloader.batch_size * 8 == 64
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'  # real epochs, no repeat
    assert cfg.train_cfg.max_epochs == 100
    cosine = [s for s in cfg.param_scheduler if s.type == 'CosineAnnealingLR'][0]
    assert cosine.end == cosine.T_max == 100 and cosine.by_epoch
    assert cfg.model.backbone.drop_path_rate == 0.1
    # Large-scale jitter at 1024 x 1024, scale range [0.1, 2.0].
    resize = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandomResize'][0]
    assert tuple(resize.scale) == (1024, 1024) and tuple(resize.ratio_range) == (0.1, 2.0)


@pytest.fixture(scope='module')
def detector(cfg):
    import mmdet.models  # noqa: F401
    from mmdet.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None  # no pretraining checkpoint here
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(model_cfg)


def test_model_is_mask_rcnn_on_mmpretrain_vit_b_with_simple_pyramid(detector):
    from mmpretrain.models import VisionTransformer

    from mixmim_mm.models.necks import SimpleFeaturePyramid
    assert type(detector).__name__ == 'MaskRCNN'
    backbone = detector.backbone
    assert type(backbone) is VisionTransformer  # built through 'mmpretrain.VisionTransformer'
    assert (backbone.embed_dims, backbone.num_layers) == (768, 12)
    assert backbone.out_type == 'featmap' and not backbone.final_norm
    assert backbone.patch_resolution == (64, 64)
    assert isinstance(detector.neck, SimpleFeaturePyramid)
    assert detector.neck.scale_factors == (4.0, 2.0, 1.0, 0.5) and detector.neck.num_outs == 5
    # The pyramid's strides are those the RPN and RoI extractors are set up for.
    assert detector.rpn_head.prior_generator.strides == [(s, s) for s in (4, 8, 16, 32, 64)]
    assert detector.roi_head.bbox_roi_extractor.featmap_strides == [4, 8, 16, 32]
    assert type(detector.roi_head.bbox_head).__name__ == 'Shared4Conv1FCBBoxHead'
    norms = {type(m).__name__ for m in detector.roi_head.modules() if 'Norm' in type(m).__name__}
    assert norms == {'LayerNorm2d'}


def test_backbone_and_pyramid_give_strides_4_to_64(detector):
    # A 256 px input keeps this fast; the pyramid scales with the input.
    with torch.no_grad():
        feats = detector.extract_feat(torch.randn(1, 3, 256, 256))
    assert [f.shape[-1] for f in feats] == [64, 32, 16, 8, 4]
    assert all(f.shape[1] == 256 for f in feats)


def test_train_pipeline_makes_a_1024_lsj_sample(cfg, tmp_path):
    import mmdet.datasets  # noqa: F401
    from mmcv.transforms import Compose
    path = tmp_path / 'img.jpg'
    mmcv.imwrite(
        np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8), str(path))
    square = [100., 100., 300., 100., 300., 300., 100., 300.]
    instance = dict(bbox=[100., 100., 300., 300.], bbox_label=0, ignore_flag=0, mask=[square])
    with DefaultScope.overwrite_default_scope('mmdet'):
        pipeline = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))
        np.random.seed(0)
        packed = pipeline(
            dict(img_path=str(path), img_id=0, height=480, width=640, instances=[instance]))
    h, w = packed['inputs'].shape[-2:]
    assert h <= 1024 and w <= 1024  # BatchFixedSizePad pads the batch to 1024 x 1024
    assert cfg.model.data_preprocessor.batch_augments[0].size == (1024, 1024)
    gt = packed['data_samples'].gt_instances
    assert len(gt.masks) == len(gt.bboxes) == 1 and gt.masks.height == h
