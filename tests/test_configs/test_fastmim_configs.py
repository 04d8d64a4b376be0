"""Every FastMIM pretraining config builds with the paper's settings and trains 2 iterations."""
import math
from pathlib import Path

import pytest
from mmengine.config import Config

import mixmim_mm  # noqa: F401

CONFIG_DIR = Path(__file__).parents[2] / 'configs' / 'fastmim'
# name -> (pretraining epochs, mask block, decoder (depth, width), paper top-1 in the comment)
PRETRAIN = {
    'fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py': (400, 16, (1, 256), '83.6'),
    'fastmim_vit-base-p16_8xb256-amp-coslr-800e_in1k-128px.py': (800, 16, (1, 256), '83.8'),
    'fastmim-p_vit-large-p16_8xb256-amp-coslr-800e_in1k-128-192px.py': (800, 16, (8, 512), '85.7'),
    'fastmim_swin-base-w4_8xb256-amp-coslr-400e_in1k-128px.py': (400, 32, (4, 256), '84.1'),
    'fastmim-p_swin-large-w8_8xb256-amp-step-400e_in1k-128-192px.py': (400, 32, (4, 512), '85.5'),
    'fastmim_convnext-tiny_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '82.6'),
    'fastmim_convnext-base_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.0'),
    'fastmim_convnext-v2-base_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.0'),
    'fastmim_twins-svt-large_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.0'),
    'fastmim_pvt-large_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '82.9'),
    'fastmim_pvt-v2-b2_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '82.6'),
    'fastmim_pvt-v2-b5_8xb256-amp-coslr-800e_in1k-128px.py': (800, 32, (4, 256), '84.3'),
}
# The authors' code, where it differs from the paper (12 heads in the paper, 6 in their code).
AUTHORS_CODE = ['fastmim_vit-base-p16-h6_8xb256-amp-coslr-400e_in1k-128px.py']
PRETRAIN_VIT = 'fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py'
PRETRAIN_SWIN = 'fastmim_swin-base-w4_8xb256-amp-coslr-400e_in1k-128px.py'
# Beyond the paper: FastMIM's HOG target on MixMAE, PixMIM's low-pass target in FastMIM.
COMPOSITIONS = [
    'mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k.py',
    'fastmim-lowpass_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py'
]


def load(name):
    return Config.fromfile(str(CONFIG_DIR / name))


def test_every_pretraining_config_is_tested():
    # The pipeline-target twins are tested in test_fastmim_pipeline_target_configs.py, the
    # small-scale (Imagenette) config in test_small_scale_configs.py.
    found = {
        p.name
        for p in CONFIG_DIR.glob('*.py')
        if not p.name.endswith('-pipeline-target.py') and 'imagenette' not in p.name
    }
    assert found == set(PRETRAIN) | set(COMPOSITIONS) | set(AUTHORS_CODE)


@pytest.mark.parametrize('name', sorted(PRETRAIN))
def test_pretrain_config_has_paper_settings(name):
    epochs, block, (depth, width), top1 = PRETRAIN[name]
    cfg = load(name)
    header = []
    for line in (CONFIG_DIR / name).read_text().splitlines():
        if not line.startswith('#'):
            break
        header.append(line)
    assert top1 in ' '.join(header)
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.model.type == 'FastMIM' and cfg.model.mask_ratio == 0.75
    assert cfg.model.mask_unit == block
    assert cfg.model.target_generator.token_stride == block
    assert cfg.model.neck.out_channels == 27 * (block // 8)**2
    assert (cfg.model.neck.depth, cfg.model.neck.embed_dims) == (depth, width)
    # Table 11: AdamW, 1.5e-4 * 2048 / 256, betas (0.9, 0.95), wd 0.05, batch 2048, warm-up 10.
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.lr == pytest.approx(1.5e-4 * 2048 / 256)
    assert tuple(optimizer.betas) == (0.9, 0.95) and optimizer.weight_decay == 0.05
    assert cfg.train_dataloader.batch_size * 8 == 2048
    assert cfg.param_scheduler[0].end == 10
    crop = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandomResizedCrop']
    assert crop[0].scale == 128
    hooks = {h.type: h for h in cfg.get('custom_hooks', [])}
    if name.startswith('fastmim-p'):
        phases = hooks['ProgressiveResolutionHook'].phases
        assert [p['img_size'] for p in phases] == [128, 160, 192]
        assert sum(p['epochs'] for p in phases) == epochs
    else:
        assert 'ProgressiveResolutionHook' not in hooks


@pytest.mark.parametrize('name', sorted(PRETRAIN) + AUTHORS_CODE)
def test_pretrain_backbone_loads_loudly(name):
    from mmpretrain.registry import MODELS

    from mixmim_mm.models.utils.pretrained import LoudPretrainedMixin
    backbone = load(name).model.backbone.type
    assert issubclass(MODELS.get(backbone), LoudPretrainedMixin), backbone


@pytest.mark.parametrize('name', sorted(PRETRAIN) + AUTHORS_CODE)
def test_decoder_norm_eps_follows_the_authors_code(name):
    # Their ViT decoder: LayerNorm eps 1e-6; their Swin decoder: PyTorch's default 1e-5.
    cfg = load(name)
    norm_cfg = cfg.model.neck.get('norm_cfg', dict(eps=1e-6))
    assert norm_cfg['eps'] == (1e-6 if cfg.model.mask_unit == 16 else 1e-5)


def train_recording_target_inputs(shipped_runner, name):
    """Train the shipped config (narrow widths, tiny data) through the Runner; returns the
    runner and the input shapes the target generator saw, one per iteration."""
    runner, steps = shipped_runner(f'configs/fastmim/{name}')
    seen = []
    runner.model.target_generator.register_forward_hook(
        lambda module, args, out: seen.append(tuple(args[0].shape)))
    runner.train()
    assert runner.iter == steps == len(seen)
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
    return runner, seen


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(n for n in PRETRAIN if not n.startswith('fastmim-p')))
def test_targets_are_computed_at_128(name, shipped_runner):
    _, seen = train_recording_target_inputs(shipped_runner, name)
    assert set(seen) == {(4, 3, 128, 128)}


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(n for n in PRETRAIN if n.startswith('fastmim-p')))
def test_progressive_configs_train_at_every_phase_size(name, shipped_runner):
    # The run keeps every phase (one epoch each): 128, then 160, then 192 px.
    _, seen = train_recording_target_inputs(shipped_runner, name)
    sizes = [shape[-1] for shape in seen]
    assert sizes == sorted(sizes) and set(sizes) == {128, 160, 192}


@pytest.mark.slow
def test_mixmae_with_hog_target_trains(shipped_runner):
    assert load(COMPOSITIONS[0]).model.neck.out_channels == 432
    runner, seen = train_recording_target_inputs(shipped_runner, COMPOSITIONS[0])
    assert type(runner.model).__name__ == 'MixMAE'
    assert type(runner.model.target_generator).__name__ == 'HOGTargetGenerator'
    assert set(seen) == {(4, 3, 224, 224)}


@pytest.mark.slow
def test_fastmim_with_low_pass_target_trains(shipped_runner):
    runner, seen = train_recording_target_inputs(shipped_runner, COMPOSITIONS[1])
    generator = runner.model.target_generator
    assert type(generator).__name__ == 'LowPassTargetGenerator'
    assert generator.effective_radius(128, 128) == pytest.approx(40 * 128 / 224)
    assert set(seen) == {(4, 3, 128, 128)}


def _decayed_parameter_names(name, **arch):
    """Names of the parameters that the config's optimizer decays, on a narrow model."""
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.registry import MODELS
    cfg = load(name)
    cfg.model.backbone.arch = arch
    cfg.model.neck.in_channels = arch['embed_dims'] * (8 if 'depths' in arch else 1)
    model = MODELS.build(cfg.model)
    wrapper = dict(cfg.optim_wrapper, type='OptimWrapper')
    wrapper.pop('loss_scale')  # AmpOptimWrapper needs a GPU; the groups come from paramwise_cfg
    optimizer = build_optim_wrapper(model, wrapper).optimizer
    names = {id(p): n for n, p in model.named_parameters()}
    return {
        names[id(p)]
        for g in optimizer.param_groups if g['weight_decay'] > 0 for p in g['params']
    }


def test_weight_decay_follows_the_authors_code_on_vit():
    # timm's add_weight_decay without a skip list: every tensor but the 1-D ones and biases.
    decayed = _decayed_parameter_names(
        PRETRAIN_VIT, embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64)
    assert {'mask_token', 'backbone.cls_token', 'backbone.patch_embed.projection.weight'} <= decayed
    assert not any(n.endswith('.bias') or '.ln' in n or 'norm' in n for n in decayed)


def test_weight_decay_follows_the_authors_code_on_swin():
    decayed = _decayed_parameter_names(
        PRETRAIN_SWIN, embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1])
    tables = {n for n in decayed if n.endswith('relative_position_bias_table')}
    assert len(tables) == 4 and 'mask_token' in decayed
    assert not any(n.endswith('.bias') or 'norm' in n for n in decayed)


def test_the_authors_six_head_vit_b_loads_into_the_fine_tuning_classifier(tmp_path):
    # Heads only split the qkv projection: every weight has the 12-head model's shape.
    import torch
    from mmpretrain.registry import MODELS
    pretrain = MODELS.build(load(AUTHORS_CODE[0]).model)
    assert pretrain.backbone.layers[0].attn.num_heads == 6
    checkpoint = str(tmp_path / 'fastmim_h6.pth')
    torch.save(dict(state_dict=pretrain.state_dict()), checkpoint)
    finetune = Config.fromfile(
        str(CONFIG_DIR / 'benchmarks' / 'vit-base-p16_8xb128-coslr-100e_in1k.py')).model
    finetune.backbone.init_cfg = dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
    classifier = MODELS.build(finetune)
    classifier.init_weights()  # loud: raises if an encoder weight is missing or misshapen
    assert classifier.backbone.layers[0].attn.num_heads == 12
    torch.testing.assert_close(
        classifier.backbone.layers[0].attn.qkv.weight,
        pretrain.backbone.layers[0].attn.qkv.weight,
        rtol=0,
        atol=0)
