"""Every ConvMAE / PixMIM_ConvMAE / (PixMIM_)LSMAE config builds and carries the paper values."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from PIL import Image

import mixmim_mm  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
ALL_CONFIGS = sorted([p for p in (ROOT / 'configs/convmae').rglob('*.py')] +
                     [p for p in (ROOT / 'configs/pixmim').glob('*convmae*.py')] +
                     [p for p in (ROOT / 'configs/pixmim').glob('*lsmae*.py')])
SEGMENTATION = 'pixmim_lsmae_upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'
CONFIGS = [p for p in ALL_CONFIGS if p.name != SEGMENTATION]  # MMPretrain models


def load(name: str) -> Config:
    return Config.fromfile(str(next(p for p in ALL_CONFIGS if p.name == name)))


def build_model(cfg: Config):
    model_cfg = dict(cfg.model)
    # As mmengine's Runner does: the top-level data_preprocessor fills the model's.
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model_cfg)


def test_configs_are_found():
    assert len(ALL_CONFIGS) == 15


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS, ids=[p.name for p in CONFIGS])
def test_config_builds_model_and_train_pipeline(path, tmp_path):
    cfg = Config.fromfile(str(path))
    if cfg.model.backbone.type in ('ConvMAEViT', 'LSMAEViT'):  # plugin types need the import
        assert cfg.custom_imports == dict(imports=['mixmim_mm'], allow_failed_imports=False)
    build_model(cfg)
    img = np.random.default_rng(0).integers(0, 256, size=(300, 500, 3), dtype=np.uint8)
    Image.fromarray(img).save(tmp_path / 'img.png')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    packed = pipeline(dict(img_path=str(tmp_path / 'img.png'), gt_label=0))
    size = 448 if '448px' in path.name else 224
    assert tuple(packed['inputs'].shape) == (3, size, size)


@pytest.mark.parametrize('name, total_batch', [
    ('convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py', 4096),
    ('pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py', 4096),
    ('lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py', 2048),
    ('pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py', 2048),
])
def test_pretraining_follows_tables_7_and_8(name, total_batch):
    cfg = load(name)
    assert 8 * cfg.train_dataloader.batch_size == total_batch
    opt = cfg.optim_wrapper.optimizer
    assert opt.type == 'FastAdamW' and opt.betas == (0.9, 0.95) and opt.weight_decay == 0.05
    assert opt.lr == pytest.approx(1.5e-4 * total_batch / 256)
    warmup, cosine = cfg.param_scheduler
    assert warmup.type == 'LinearLR' and warmup.end == 40
    # Without `end` the Runner ends the cosine at train_cfg.max_epochs.
    assert cosine.type == 'CosineAnnealingLR'
    assert cosine.get('end', cfg.train_cfg.max_epochs) == cfg.train_cfg.max_epochs == 800
    assert cfg.model.backbone.mask_ratio == 0.75 and cfg.model.head.norm_pix


@pytest.mark.parametrize('name, size, radius', [
    ('pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py', 224, 40),
    ('pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py', 448, 80),
])
def test_pixmim_uses_low_pass_target_and_simple_resized_crop(name, size, radius):
    cfg = load(name)
    model = build_model(cfg)
    assert model.target_generator.effective_radius(size, size) == radius
    crops = [t for t in cfg.train_dataloader.dataset.pipeline if 'Crop' in t['type']]
    assert [(t['type'], t['size'], t['padding']) for t in crops] == [('SimpleResizedCrop', size, 4)]


def test_lsmae_masks_2x2_patch_groups_of_a_448px_input():
    model = build_model(load('lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py'))
    assert model.backbone.patch_resolution == (28, 28) and model.backbone.mask_unit == 32
    assert model.backbone.patches_per_unit == 2
    assert model.neck.num_patches == 784


@pytest.mark.parametrize('name, lr, decay', [
    ('convvit-base-p16_8xb128-coslr-100e_in1k.py', 5e-4 * 1024 / 256, 0.65),
    ('pixmim_convmae_convvit-base-p16_ft-8xb128-coslr-100e_in1k.py', 1e-3 * 1024 / 256, 0.75),
    ('pixmim_lsmae_vit-base-p16_ft-8xb128-coslr-100e_in1k.py', 1e-3 * 1024 / 256, 0.75),
])
def test_fine_tuning_recipes(name, lr, decay):
    cfg = load(name)
    assert 8 * cfg.train_dataloader.batch_size == 1024
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == decay
    assert cfg.train_cfg.max_epochs == 100 and cfg.model.backbone.drop_path_rate == 0.1


def test_convmae_linear_probe_follows_table_11():
    cfg = load('pixmim_convmae_convvit-base-p16_linear-8xb512-coslr-90e_in1k.py')
    assert 8 * cfg.train_dataloader.batch_size == 4096
    opt = cfg.optim_wrapper.optimizer
    assert opt.type == 'LARS' and opt.lr == pytest.approx(0.1 * 4096 / 256)
    assert opt.weight_decay == 0 and cfg.train_cfg.max_epochs == 90
    crops = [t for t in cfg.train_dataloader.dataset.pipeline if 'Crop' in t['type']]
    assert [(t['type'], t['interpolation']) for t in crops] == [('RandomResizedCrop', 'bicubic')]
    model = build_model(cfg)
    assert not any(p.requires_grad for p in model.backbone.parameters())


@pytest.mark.slow
def test_lsmae_segmentation_uses_table_12_and_builds():
    cfg = load(SEGMENTATION)
    opt = cfg.optim_wrapper.optimizer
    assert opt.type == 'FastAdamW' and opt.lr == 2e-4 and opt.weight_decay == 0.05
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert 8 * cfg.train_dataloader.batch_size == 16 and cfg.train_cfg.max_iters == 160000
    assert cfg.model.backbone.drop_path_rate == 0.1
    import mmseg.models  # noqa: F401  (registers mmseg modules)
    from mmseg.registry import MODELS as SEG_MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = SEG_MODELS.build(dict(cfg.model, pretrained=None))
    assert model.backbone.layers[0].attn.relative_position_bias_table is not None


@pytest.mark.slow
@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
@pytest.mark.parametrize(
    'path', [
        'configs/convmae/convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py',
        'configs/pixmim/pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py'
    ],
    ids=['convmae', 'pixmim_convmae'])
def test_runner_trains_in_both_precisions(path, precision, shipped_runner):
    runner, steps = shipped_runner(path, precision)
    runner.train()
    assert runner.iter == steps
    # --fp32 gives a plain OptimWrapper, which has no precision attribute.
    assert getattr(runner.optim_wrapper, 'precision', 'fp32') == precision
    losses, _ = runner.message_hub.get_scalar('train/loss').data
    assert len(losses) == steps and np.all(np.isfinite(losses))
    if 'pixmim' in path:  # the low-pass target got the preprocessor's statistics
        assert runner.model.target_generator.mean.flatten().tolist() == pytest.approx(
            runner.cfg.data_preprocessor.mean)
    else:
        assert not runner.model.with_target_generator
