"""FastMIM's COCO and ADE20K configs build (model and optimizer) with the paper's settings
(Tables 13 and 14)."""
import copy
import os.path as osp

import pytest
from _downstream_data import REPO_ROOT
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401

BENCHMARKS = osp.join(REPO_ROOT, 'configs', 'fastmim', 'benchmarks')
# config -> (scope, lr, weight decay, layer decay, total batch, paper number in the header)
CONFIGS = {
    'mmdetection/mask-rcnn_vit-base-p16-sfp_8xb4-lsj-100e_coco.py':
    ('mmdet', 8e-5, 0.1, 0.75, 32, '50.7 / 45.1'),
    'mmdetection/mask-rcnn_swin-base-w7_fpn_8xb4-lsj-36e_coco.py':
    ('mmdet', 6e-5, 0.05, 0.9, 32, '52.2 / 46.1'),
    'mmsegmentation/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py':
    ('mmseg', 1e-3, 0.05, 0.65, 16, '49.4'),
    'mmsegmentation/upernet_swin-base-w7_8xb2-160k_ade20k-512x512.py':
    ('mmseg', 3e-4, 0.05, 0.9, 16, '52.6'),
}


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_transfer_config_has_paper_settings_and_builds(name):
    scope, lr, wd, layer_decay, batch, number = CONFIGS[name]
    pytest.importorskip(scope)
    path = osp.join(BENCHMARKS, name)
    assert number in open(path).read().split('_base_')[0]
    cfg = Config.fromfile(path)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.lr == lr and optimizer.weight_decay == wd
    assert tuple(optimizer.betas) == (0.9, 0.999)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == layer_decay
    assert cfg.train_dataloader.batch_size * 8 == batch
    assert cfg.param_scheduler[0].end == 1500 and not cfg.param_scheduler[0].by_epoch
    init_default_scope(scope)
    __import__(f'{scope}.models')
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('pretrained', None)
    if 'init_cfg' in model_cfg.backbone:
        model_cfg.backbone.init_cfg = None
    model = registry.build(model_cfg)
    if 'swin' in name:
        assert type(model.backbone).__name__ == 'LoudSwinTransformer'
        assert model.backbone.stages[0].blocks[0].attn.window_size == 7
        if scope == 'mmdet':
            assert cfg.train_cfg.max_epochs == 36
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    if optim_cfg.type == 'AmpOptimWrapper':  # needs a GPU; the param groups are the same
        optim_cfg.type = 'OptimWrapper'
        optim_cfg.pop('loss_scale', None)
    wrapper = build_optim_wrapper(model, optim_cfg)
    assert len(wrapper.optimizer.param_groups) > 1
