"""Transfer configs of the PVT-L, Twins-SVT-L and ViT-B encoders build at full size (model,
optimizer) with the settings their comments state."""
import copy
import glob
import os.path as osp

import pytest
from _downstream_data import REPO_ROOT
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401

BENCHMARKS = osp.join(REPO_ROOT, 'configs', 'mixmae', 'benchmarks')
CONFIGS = sorted(
    p for p in glob.glob(osp.join(BENCHMARKS, '*', '*.py')) if 'swin' not in osp.basename(p))
BACKBONES = {  # config name part -> (backbone class, parameters in millions)
    'classification/pvt-large': ('MixMAEPVT', 61.4 - 0.5),
    'classification/twins-svt-large': ('MixMAESVT', 99.2 - 1.0),
    'classification/vit-base': ('MixMAEViT', 86.6 - 0.8),
    'mmdetection/mask-rcnn_pvt-large': ('PyramidVisionTransformer', 61.4 - 0.5),
    'mmdetection/mask-rcnn_twins-svt-large': ('SVT', 99.2 - 1.0),
    'mmsegmentation/upernet_pvt-large': ('PyramidVisionTransformer', 61.4 - 0.5),
    'mmsegmentation/upernet_twins-svt-large': ('SVT', 99.2 - 1.0),
}


def name_of(path):
    return osp.relpath(path, BENCHMARKS)


def test_every_encoder_has_its_transfer_configs():
    names = {name_of(p) for p in CONFIGS}
    for part in BACKBONES:
        assert any(n.startswith(part) for n in names), part


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS, ids=name_of)
def test_model_and_optimizer_build_with_openmmlab_or_our_backbone(path):
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    assert cfg.custom_imports.imports == ['mixmim_mm']
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    cls, mparams = next(v for k, v in BACKBONES.items() if name_of(path).startswith(k))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None
    if scope == 'mmpretrain':
        model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    model = registry.build(model_cfg)
    assert type(model.backbone).__name__ == cls
    params = sum(p.numel() for n, p in model.backbone.named_parameters()
                 if not n.startswith(('norm_list.', 'norm_after_stage0', 'norm_after_stage1',
                                      'norm_after_stage2')))
    assert params / 1e6 == pytest.approx(mparams, rel=0.01)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert len(wrapper.optimizer.param_groups) > 0
    if '/classification/' in path:
        assert cfg.train_cfg.max_epochs == 100  # Tables 3 and 17: 100 fine-tuning epochs
        assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.7
        scales = {g['param_name']: g['lr_scale'] for g in wrapper.optimizer.param_groups}
        assert min(scales.values()) < 0.7**10  # layer decay reaches the stem
