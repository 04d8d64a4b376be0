"""Every MixMAE pretraining config builds (model and train pipeline) and has the paper's values."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRETRAIN = sorted(p for p in glob.glob(osp.join(ROOT, 'configs/mixmae/mixmae*_in1k.py')))


def load(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return cfg


def test_all_pretraining_configs_are_covered():
    names = {osp.basename(p) for p in PRETRAIN}
    assert {
        'mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py',
        'mixmae_swin-base-w14_8xb128-amp-coslr-600e_in1k.py',
        'mixmae-2img_swin-base-w14_8xb128-amp-coslr-300e_in1k.py',
        'mixmae_swin-large-w14_8xb128-amp-coslr-600e_in1k.py',
        'mixmae_swin-huge-w14_8xb128-amp-coslr-600e_in1k.py',
        'mixmae_pvt-large_8xb128-amp-coslr-600e_in1k.py',
        'mixmae_twins-svt-large_8xb128-amp-coslr-600e_in1k.py',
        'mixmae_vit-base-p16_8xb128-amp-coslr-600e_in1k.py',
    } <= names


@pytest.mark.slow
@pytest.mark.parametrize('path', PRETRAIN, ids=osp.basename)
def test_config_builds_model_and_pipeline(path):
    cfg = load(path)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(model_cfg)
    if 'swin' in osp.basename(path):
        assert model.backbone.window_sizes[0][0] == 14 and model.backbone.window_sizes[3][0] == 7
    assert model.neck.decoder_embed.in_features == model.backbone.mixed_channels
    assert len(model.neck.decoder_blocks) == 8 and model.neck.decoder_embed.out_features == 512
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline[1:])  # skip file loading
    img = np.random.randint(0, 255, (300, 400, 3), dtype=np.uint8)
    out = pipeline(dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
    assert tuple(out['inputs'].shape) == (3, 224, 224)
    del model


@pytest.mark.parametrize('path', PRETRAIN, ids=osp.basename)
def test_table_11_hyperparameters(path):
    cfg = load(path)
    opt = cfg.optim_wrapper
    assert opt.type == 'AmpOptimWrapper'
    assert opt.optimizer.type == 'FastAdamW' and opt.optimizer.betas == (0.9, 0.95)
    assert opt.optimizer.weight_decay == 0.05
    total_batch = 8 * cfg.train_dataloader.batch_size
    assert opt.optimizer.lr == pytest.approx(1.5e-4 * total_batch / 256)
    warmup, cosine = cfg.param_scheduler
    assert warmup.end == 40 and cosine.type == 'CosineAnnealingLR' and cosine.begin == 40
    assert 'end' not in cosine  # the Runner ends it at train_cfg.max_epochs
    assert cfg.train_cfg.max_epochs in (300, 600)
    assert cfg.train_dataloader.batch_size % cfg.model.num_images == 0
    assert cfg.train_dataloader.drop_last
    ratio = 1 - 1 / cfg.model.num_images
    assert ratio in (0.5, 0.75)
    assert cfg.custom_imports.imports == ['mixmim_mm']
