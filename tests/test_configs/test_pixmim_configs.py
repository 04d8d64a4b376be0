"""Every PixMIM config (MAE and MFF hosts, their benchmarks) builds and matches the paper."""
import copy
import math
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401
from mixmim_mm.models.target_generators.low_pass import LowPassTargetGenerator

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'pixmim'
PRETRAIN = {
    'pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('PixMIM', 300),
    'pixmim_vit-base-p16_8xb512-amp-coslr-800e_in1k.py': ('PixMIM', 800),
    'pixmim-mff_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('PixMIMMFF', 300),
    'pixmim-mff_vit-base-p16_8xb512-amp-coslr-800e_in1k.py': ('PixMIMMFF', 800),
}
FINETUNE = [
    'benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py',
    'benchmarks/mff_vit-base-p16_8xb128-coslr-100e_in1k.py'
]
LINEAR = 'benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'
SEGMENTATION = 'benchmarks/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'


def load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


def scheduler_by_type(cfg):
    return {s['type']: s for s in cfg.param_scheduler}


@pytest.fixture
def image_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / 'img.png'
    mmcv.imwrite(rng.integers(0, 256, size=(300, 400, 3), dtype=np.uint8), str(path))
    return str(path)


def test_every_config_here_is_tested():
    mine = set(PRETRAIN) | set(FINETUNE) | {LINEAR, SEGMENTATION}
    found = {
        str(p.relative_to(CONFIG_DIR))
        for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts
    }
    # ConvMAE / LSMAE, MixMAE, COCO (mask-rcnn), pipeline-side target and small-scale
    # (Imagenette) configs belong to their own test files.
    own_files = ('convmae', 'convvit', 'lsmae', 'mixmae', 'mask-rcnn', 'pipeline-target',
                 'imagenette')
    found = {f for f in found if not any(key in f for key in own_files)}
    assert found == mine


@pytest.mark.parametrize('name', sorted(PRETRAIN))
def test_pretrain_config_builds_with_table7_settings(name, image_file):
    algo, epochs = PRETRAIN[name]
    cfg = load(name)
    assert cfg.custom_imports['imports'] == ['mixmim_mm']
    # Table 7: AdamW, base lr 1.5e-4 at batch 256, wd 0.05, betas (0.9, 0.95), batch 4096,
    # cosine decay after 40 warmup epochs.
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'FastAdamW'
    assert optimizer.lr == pytest.approx(1.5e-4 * 4096 / 256)
    assert optimizer.weight_decay == 0.05 and tuple(optimizer.betas) == (0.9, 0.95)
    assert cfg.train_dataloader.batch_size * 8 == 4096
    schedulers = scheduler_by_type(cfg)
    assert schedulers['LinearLR']['end'] == 40
    # Without `end` the Runner ends the cosine at train_cfg.max_epochs.
    cosine_end = schedulers['CosineAnnealingLR'].get('end', cfg.train_cfg.max_epochs)
    assert cosine_end == epochs == cfg.train_cfg.max_epochs
    # Pretraining crop is SimpleResizedCrop, never RandomResizedCrop.
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert 'SimpleResizedCrop' in types and 'RandomResizedCrop' not in types

    model_cfg = copy.deepcopy(cfg.model)
    # The Runner hands the top-level data_preprocessor to the model the same way.
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(model_cfg)
        pipeline = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))
        packed = pipeline(dict(img_path=image_file))
    assert type(model).__name__ == algo
    assert isinstance(model.target_generator, LowPassTargetGenerator)
    assert model.target_generator.radius == 40
    torch.testing.assert_close(model.target_generator.mean.flatten(),
                               model.data_preprocessor.mean.flatten())
    assert model.backbone.mask_ratio == 0.75
    assert tuple(packed['inputs'].shape) == (3, 224, 224)


@pytest.mark.parametrize('name', FINETUNE)
def test_finetune_config_builds_with_table9_settings(name, image_file):
    cfg = load(name)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'FastAdamW' and optimizer.weight_decay == 0.05
    assert optimizer.lr == pytest.approx(1e-3 * 1024 / 256)
    assert tuple(optimizer.betas) == (0.9, 0.999)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert cfg.train_dataloader.batch_size * 8 == 1024
    assert cfg.train_cfg.max_epochs == 100
    assert scheduler_by_type(cfg)['LinearLR']['end'] == 5
    assert cfg.model.backbone.drop_path_rate == 0.1
    augments = {a['type']: a['alpha'] for a in cfg.model.train_cfg.augments}
    assert augments == {'Mixup': 0.8, 'CutMix': 1.0}
    assert cfg.model.head.loss.label_smooth_val == 0.1
    randaug = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'RandAugment'][0]
    assert (randaug['magnitude_level'], randaug['magnitude_std']) == (9, 0.5)

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(copy.deepcopy(cfg.model))
        packed = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))(
            dict(img_path=image_file, gt_label=0))
    assert type(model.backbone).__name__ == 'VisionTransformer'
    assert tuple(packed['inputs'].shape) == (3, 224, 224)


def test_linear_config_builds_with_table10_settings(image_file):
    cfg = load(LINEAR)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'LARS' and optimizer.weight_decay == 0
    assert optimizer.lr == pytest.approx(0.1 * 16384 / 256)
    assert optimizer.momentum == 0.9
    assert cfg.train_dataloader.batch_size * 8 == 16384
    assert cfg.train_cfg.max_epochs == 90
    assert scheduler_by_type(cfg)['LinearLR']['end'] == 10
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert 'RandomResizedCrop' in types and 'SimpleResizedCrop' not in types

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(copy.deepcopy(cfg.model))
        packed = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))(
            dict(img_path=image_file, gt_label=0))
    assert model.backbone.frozen_stages == 12
    assert tuple(packed['inputs'].shape) == (3, 224, 224)


@pytest.mark.slow
def test_segmentation_config_builds_with_table12_settings():
    cfg = load(SEGMENTATION)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'FastAdamW' and optimizer.lr == 2e-4
    assert optimizer.weight_decay == 0.05 and tuple(optimizer.betas) == (0.9, 0.999)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert cfg.train_dataloader.batch_size * 8 == 16
    assert cfg.train_cfg.max_iters == 160000
    schedulers = scheduler_by_type(cfg)
    assert schedulers['LinearLR']['end'] == 1500
    assert schedulers['CosineAnnealingLR']['end'] == 160000
    assert cfg.model.backbone.drop_path_rate == 0.1
    assert cfg.model.decode_head.type == 'UPerHead'

    import mmseg.models  # noqa: F401  (registers mmseg modules)
    from mmseg.registry import MODELS, TRANSFORMS  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
        import mmseg.datasets  # noqa: F401
        pipeline = Compose(copy.deepcopy(cfg.train_dataloader.dataset.pipeline))
    # Relative position bias on and zero-initialised (paper Sec. 5.1).
    attn = model.backbone.layers[0].attn
    assert attn.relative_position_bias_table is not None
    model.backbone.layers[0].attn.init_weights()
    assert attn.relative_position_bias_table.abs().sum() == 0
    assert len(pipeline.transforms) == len(cfg.train_dataloader.dataset.pipeline)


# One config per host; the 800-epoch configs differ only in their schedule.
@pytest.mark.slow
@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
@pytest.mark.parametrize('name', [
    'pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py',
    'pixmim-mff_vit-base-p16_8xb512-amp-coslr-300e_in1k.py',
    'pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py'
])
def test_runner_iterations_give_finite_loss(name, precision, shipped_runner, target_recorder):
    runner, steps = shipped_runner(f'configs/pixmim/{name}', precision)
    # Record what the target generator gets and returns inside the training step.
    seen = target_recorder(runner)
    runner.train()
    assert runner.iter == steps == len(seen)
    # --fp32 gives a plain OptimWrapper, which has no precision attribute.
    assert getattr(runner.optim_wrapper, 'precision', 'fp32') == precision
    torch.testing.assert_close(runner.model.target_generator.std.flatten(),
                               torch.tensor(runner.cfg.data_preprocessor.std))
    side = 448 if 'lsmae' in name else 224
    for inputs, target in seen:
        assert inputs.shape == target.shape == (4, 3, side, side)
        assert target.dtype == torch.float32  # the target stays fp32 under bf16 autocast
        # The low-pass target is not the augmented batch: fine detail is gone (in units of
        # the normalised input, whose per-pixel spread is about 1; an all-pass filter would
        # leave only float rounding, about 1e-6).
        assert (target - inputs).abs().mean() > 0.05
        # ...but it keeps the mean colour of every image (DC survives any radius).
        torch.testing.assert_close(target.mean((2, 3)), inputs.mean((2, 3)), atol=1e-4, rtol=0)
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
