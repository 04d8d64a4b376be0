"""Every MixedAE pretraining config builds with the paper's values; compose and full train
through the Runner."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The paper's ablation baselines have their own test.
NAIVE = osp.join(ROOT,
                 'configs/mixedae/mixedae-naive-mixing_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
PRETRAIN = sorted(set(glob.glob(osp.join(ROOT, 'configs/mixedae/mixedae*_in1k.py'))) - {NAIVE})
COMPOSE = osp.join(ROOT, 'configs/mixedae/mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
FULL = osp.join(ROOT, 'configs/mixedae/mixedae-full_vit-base-p16_8xb128-amp-coslr-300e_in1k.py')
# Paper Table 4 and section 4.1: base lr 7.5e-5 x clean images / 256.
EXPECTED = {  # name: (mix_mode, total clean images, epochs, arch, decoder depth x width)
    'mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('compose', 4096, 300, 768, (8, 512)),
    'mixedae_vit-base-p16_8xb512-amp-coslr-800e_in1k.py': ('compose', 4096, 800, 768, (8, 512)),
    'mixedae_vit-base-p16_8xb512-amp-coslr-1600e_in1k.py': ('compose', 4096, 1600, 768, (8, 512)),
    'mixedae-full_vit-base-p16_8xb128-amp-coslr-300e_in1k.py': ('full', 1024, 300, 768, (8, 512)),
    'mixedae-full-dec2x256_vit-base-p16_8xb128-amp-coslr-300e_in1k.py':
        ('full', 1024, 300, 768, (2, 256)),
    'mixedae_vit-large-p16_8xb256-amp-coslr-1600e_in1k.py': ('compose', 2048, 1600, 1024, (8, 512)),
    # The 300-epoch recipe with another target (beyond the paper).
    'mixedae-lowpass_vit-base-p16_8xb512-amp-coslr-300e_in1k.py':
        ('compose', 4096, 300, 768, (8, 512)),
    'mixedae-hog_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('compose', 4096, 300, 768, (8, 512)),
}
TARGETS = {  # config: (target generator, values per 16 px patch)
    'mixedae-lowpass_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('LowPassTargetGenerator', None),
    'mixedae-hog_vit-base-p16_8xb512-amp-coslr-300e_in1k.py': ('HOGTargetGenerator', 108),
}


def load(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return cfg


def test_all_pretraining_configs_are_covered():
    assert {osp.basename(p) for p in PRETRAIN} == set(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize('path', PRETRAIN, ids=osp.basename)
def test_config_has_the_papers_values_and_builds(path):
    cfg = load(path)
    mode, images, epochs, width, (depth, dec_width) = EXPECTED[osp.basename(path)]
    assert cfg.model.mix_mode == mode and cfg.model.num_images == 4
    assert cfg.model.backbone.mask_unit == 32
    assert 8 * cfg.train_dataloader.batch_size == images and cfg.train_dataloader.drop_last
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(7.5e-5 * images / 256)
    assert cfg.optim_wrapper.optimizer.betas == (0.9, 0.95)
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    assert cfg.auto_scale_lr.base_batch_size == images
    assert cfg.train_cfg.max_epochs == epochs and cfg.param_scheduler[0].end == 40
    head = cfg.model.contrastive_head
    assert (head.proj_dims, head.temperature, head.loss_weight) == (128, 0.25, 0.1)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(model_cfg)
    assert model.backbone.embed_dims == width and model.backbone.num_global_layers == 1
    assert model.backbone.topk_ratio == 0.25 and model.backbone.segment_embed
    assert len(model.neck.decoder_blocks) == depth
    assert model.neck.decoder_embed.out_features == dec_width
    assert model.neck.decoder_embed.in_features == width
    assert model.neck.grid_size == (14, 14) and model.head.patch_size == 16
    del model


@pytest.mark.slow
def test_naive_mixing_baseline_has_neither_segment_embeddings_nor_contrastive_loss():
    cfg = load(NAIVE)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(model_cfg)
    assert model.backbone.attention == 'global' and not model.backbone.segment_embed
    assert model.contrastive_head is None
    base = load(COMPOSE)
    assert cfg.optim_wrapper == base.optim_wrapper and cfg.train_cfg == base.train_cfg
    assert cfg.model.neck == base.model.neck and cfg.model.head == base.model.head


@pytest.mark.slow
@pytest.mark.parametrize('path', [COMPOSE, FULL], ids=['compose', 'full'])
def test_mixedae_trains_runner_iterations(path, shipped_runner):
    runner, steps = shipped_runner(path)
    runner.train()
    assert runner.iter == steps
    hub = runner.message_hub
    for key in ('loss', 'loss_rec', 'loss_homocon'):
        values, _ = hub.get_scalar(f'train/{key}').data
        assert len(values) == steps and np.all(np.isfinite(values)), key
    assert any(k.startswith('train/topk_acc_layer') for k in hub.log_scalars)
    assert osp.isfile(osp.join(runner.work_dir, f'epoch_{steps}.pth'))


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(TARGETS))
def test_mixedae_trains_on_the_low_pass_or_hog_target(name, shipped_runner):
    generator, per_patch = TARGETS[name]
    runner, steps = shipped_runner(f'configs/mixedae/{name}')
    assert type(runner.model.target_generator).__name__ == generator
    seen = []
    runner.model.target_generator.register_forward_hook(lambda module, args, out: seen.append(
        (tuple(args[0].shape), tuple(out.shape))))
    runner.train()
    assert runner.iter == steps == len(seen)
    values, _ = runner.message_hub.get_scalar('train/loss_rec').data
    assert np.all(np.isfinite(values))
    (b, c, h, w), target = seen[0]
    if per_patch is None:  # the filtered image, shaped like the inputs
        assert target == (b, c, h, w)
    else:  # one HOG vector per 16 px patch
        assert target == (b, (h // 16) * (w // 16), per_patch)
