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


TINY_SWIN = dict(embed_dims=8, depths=[1, 1, 2, 1], num_heads=[1, 1, 2, 2])
TEST_CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'configs')
# FastMIM config -> (test config with the generated data and tiny heads, scope, metric key)
RUNS = {
    'mmdetection/mask-rcnn_swin-base-w7_fpn_8xb4-lsj-36e_coco.py':
    ('mask-rcnn_swin-mini-w8_fpn_1xb2-2iter_generated-coco.py', 'coco/bbox_mAP'),
    'mmsegmentation/upernet_swin-base-w7_8xb2-160k_ade20k-512x512.py':
    ('upernet_swin-mini-w8_1xb2-2iter_generated-ade.py', 'mIoU'),
}


@pytest.fixture(scope='module')
def fastmim_swin_checkpoint(tmp_path_factory):
    """A tiny FastMIM Swin pretraining checkpoint (128 px, window 4), saved as the Runner does."""
    import torch
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='FastMIM', mask_block=32,
            backbone=dict(type='SwinTransformer', arch=TINY_SWIN, img_size=128, window_size=4),
            neck=dict(type='FastMIMDecoder', in_channels=64, out_channels=432, embed_dims=16),
            head=dict(type='FastMIMHead'),
            target_generator=dict(type='HOGTargetGenerator', token_stride=32)))
    model.init_weights()
    path = str(tmp_path_factory.mktemp('fastmim') / 'fastmim_swin_tiny.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path, {k[len('backbone.'):]: v.clone() for k, v in model.state_dict().items()
                  if k.startswith('backbone.')}


@pytest.mark.parametrize('name', sorted(RUNS))
def test_two_iterations_and_evaluation_from_a_fastmim_checkpoint(name, fastmim_swin_checkpoint,
                                                                coco_root, ade_root, tmp_path):
    import math
    import uuid

    import torch
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    test_config, metric = RUNS[name]
    ckpt, pretrained = fastmim_swin_checkpoint
    real = Config.fromfile(osp.join(BENCHMARKS, name))
    cfg = Config.fromfile(osp.join(TEST_CONFIGS, test_config))
    root = coco_root if 'coco' in name else ade_root
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = root + ('/' if 'coco' in name else '')
    if 'coco' in name:
        for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
            evaluator.ann_file = osp.join(coco_root, 'annotations', 'val.json')
    # The real config's backbone type, window and optimisation, at tiny width and 128 px.
    backbone = copy.deepcopy(real.model.backbone)
    backbone.update(arch=TINY_SWIN, img_size=128, window_size=7,
                    init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    backbone.pop('_delete_', None)
    cfg.model.backbone = backbone
    widths = [8, 16, 32, 64]
    if 'coco' in name:
        cfg.model.neck.in_channels = widths
    else:
        cfg.model.decode_head.in_channels = widths
        cfg.model.auxiliary_head.in_channels = widths[2]
    cfg.optim_wrapper = copy.deepcopy(real.optim_wrapper)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'fastmim_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'

    class Recorder(Hook):
        def before_train(self, runner):
            self.state = {k: v.clone() for k, v in runner.model.backbone.state_dict().items()}

        def after_val_epoch(self, runner, metrics=None):
            self.metrics = metrics

    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.train()
    assert runner.iter == 2
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert metric in recorder.metrics
    for key, value in pretrained.items():
        if key.endswith('relative_position_index'):
            continue
        if key.endswith('relative_position_bias_table'):
            assert recorder.state[key].shape[0] == 13 * 13  # window 4 -> 7
        else:
            assert torch.equal(recorder.state[key], value), key
