"""The MixedAE fine-tuning, ADE20K and COCO configs build at full size with the paper's values."""
import copy
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = osp.join(ROOT, 'configs', 'mixedae', 'benchmarks')
FINETUNE = {  # name: (arch width, total batch, absolute lr, layer decay, epochs)
    'vit-base-p16_8xb128-coslr-100e_in1k.py': (768, 1024, 5e-4 * 1024 / 256, 0.65, 100),
    'vit-large-p16_8xb64-coslr-50e_in1k.py': (1024, 512, 1e-3 * 512 / 256, 0.75, 50),
}
ADE = 'upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'
COCO = 'mask-rcnn_vit-base-p16-sfp_8xb2-ms-1x_coco.py'


def load(name):
    return Config.fromfile(osp.join(BENCH, name))


def test_every_benchmark_config_is_tested():
    assert {osp.basename(p) for p in glob.glob(osp.join(BENCH, '*.py'))} == \
        set(FINETUNE) | {ADE, COCO}


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(FINETUNE))
def test_finetune_config_builds_a_plain_avg_pooled_vit(name):
    from mmpretrain.registry import MODELS
    width, batch, lr, decay, epochs = FINETUNE[name]
    cfg = load(name)
    assert 8 * cfg.train_dataloader.batch_size == batch
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == decay
    assert cfg.train_cfg.max_epochs == epochs and cfg.auto_scale_lr.base_batch_size == batch
    backbone = cfg.model.backbone
    assert backbone.type == 'LoudVisionTransformer' and backbone.out_type == 'avg_featmap'
    assert backbone.init_cfg.type == 'Pretrained' and backbone.init_cfg.prefix == 'backbone.'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    assert model.backbone.embed_dims == model.head.fc.in_features == width
    assert not hasattr(model.backbone.layers[1].attn, 'topk_weights')  # no TopK downstream


@pytest.mark.slow
def test_ade20k_config_builds_with_the_beit_recipe():
    cfg = load(ADE)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'FastAdamW' and optimizer.lr == 3e-4
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.65
    assert cfg.train_dataloader.batch_size * 8 == 16 and cfg.train_cfg.max_iters == 160000
    assert cfg.model.backbone.type == 'mmpretrain.LoudVisionTransformer'
    import mmseg.models  # noqa: F401
    from mmseg.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    assert list(model.backbone.out_indices) == [3, 5, 7, 11]
    assert model.backbone.patch_resolution == (32, 32)
    assert type(model.decode_head).__name__ == 'UPerHead'


@pytest.mark.slow
def test_coco_config_builds_with_the_papers_schedule():
    cfg = load(COCO)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.lr == 1e-4 and cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert cfg.train_dataloader.batch_size * 8 == 16 and cfg.train_cfg.max_epochs == 12
    steps = [s for s in cfg.param_scheduler if s.type == 'MultiStepLR'][0]
    assert steps.milestones == [9, 11]
    resize = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandomChoiceResize'][0]
    shorter = sorted(s[1] for s in resize.scales)
    assert shorter[0] == 480 and shorter[-1] == 800 and {s[0] for s in resize.scales} == {1333}
    import mmdet.models  # noqa: F401
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    assert type(model.backbone).__name__ == 'LoudVisionTransformer'
    assert type(model.neck).__name__ == 'SimpleFeaturePyramid'
    assert model.data_preprocessor.pad_size_divisor == 32
