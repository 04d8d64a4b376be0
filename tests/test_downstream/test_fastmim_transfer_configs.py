"""FastMIM's COCO and ADE20K configs build (model and optimizer) with the paper's settings
(Tables 13 and 14), and train 2 iterations plus evaluation from a FastMIM checkpoint."""
import copy
import os.path as osp

import pytest
from _downstream_data import REPO_ROOT, train_recording
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


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_transfer_config_has_paper_settings_and_builds(name):
    scope, lr, wd, layer_decay, batch, number = CONFIGS[name]
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


def train_with_real_optimisation(cfg, real, work_dir, **paramwise):
    """`train_recording` with `real`'s optimiser; `paramwise` overrides its paramwise_cfg."""
    cfg.optim_wrapper = copy.deepcopy(real.optim_wrapper)
    cfg.optim_wrapper.paramwise_cfg.update(paramwise)
    return train_recording(cfg, work_dir, 'fastmim')


@pytest.fixture(scope='module')
def fastmim_swin_checkpoint(tmp_path_factory):
    """A tiny FastMIM Swin pretraining checkpoint (128 px, window 4), saved as the Runner does."""
    import torch
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='FastMIM',
                mask_unit=32,
                backbone=dict(type='SwinTransformer', arch=TINY_SWIN, img_size=128, window_size=4),
                neck=dict(type='FastMIMDecoder', in_channels=64, out_channels=432, embed_dims=16),
                head=dict(type='FastMIMHead'),
                target_generator=dict(type='HOGTargetGenerator', token_stride=32)))
    model.init_weights()
    path = str(tmp_path_factory.mktemp('fastmim') / 'fastmim_swin_tiny.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path, {
        k[len('backbone.'):]: v.clone()
        for k, v in model.state_dict().items() if k.startswith('backbone.')
    }


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(RUNS))
def test_two_iterations_and_evaluation_from_a_fastmim_checkpoint(name, fastmim_swin_checkpoint,
                                                                 coco_root, ade_root, tmp_path):
    import math

    import torch
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
    backbone.update(
        arch=TINY_SWIN,
        img_size=128,
        window_size=7,
        init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.'))
    backbone.pop('_delete_', None)
    cfg.model.backbone = backbone
    widths = [8, 16, 32, 64]
    if 'coco' in name:
        cfg.model.neck.in_channels = widths
    else:
        cfg.model.decode_head.in_channels = widths
        cfg.model.auxiliary_head.in_channels = widths[2]
    runner, recorder = train_with_real_optimisation(cfg, real, tmp_path / 'work')
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


# The ViT-B ADE20K config keeps mmseg's `MAE` backbone (the MAE setting: relative position
# bias and layer scale added for transfer). That backbone has a full qkv bias (BEiT's q/v-only
# bias is not used by `MAE`), so an MMPretrain ViT loads into it whole; its extra tensors start
# neutral (zero relative bias, layer scale 1). The tests below hold it to that: a tiny FastMIM ViT
# checkpoint at 32 px (a 2x2 grid, standing for 128 px's 8x8) is extracted to a bare backbone as
# configs/pixmim/README.md says, passed as `model.pretrained`, and segmented at 64 px (4x4).
ADE_VIT = 'mmsegmentation/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'
TINY_VIT = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)
TINY_MAE = dict(
    img_size=(64, 64),
    embed_dims=32,
    num_layers=4,
    num_heads=2,
    mlp_ratio=2,
    out_indices=[0, 1, 2, 3])


def save_tiny_fastmim_vit(arch, folder):
    """Save a FastMIM ViT pretraining checkpoint (the real ViT-B config's model at tiny width
    ``arch``, 32 px: a 2x2 grid standing for 128 px's 8x8) as the Runner saves it; returns its
    path. Every weight is moved off the value an initialiser could reproduce."""
    import torch
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'fastmim',
                 'fastmim_vit-base-p16_8xb256-amp-coslr-800e_in1k-128px.py'))
    cfg.model.backbone.update(arch=arch, img_size=32)
    cfg.model.neck.update(in_channels=arch['embed_dims'], embed_dims=16)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, folder / 'epoch_800.pth')
    return folder / 'epoch_800.pth'


@pytest.fixture(scope='module')
def fastmim_vit_backbone(tmp_path_factory):
    """A bare backbone state dict from a tiny FastMIM ViT pretraining checkpoint (32 px),
    extracted with the README's one-line `backbone.` filter."""
    import torch
    folder = tmp_path_factory.mktemp('fastmim_vit')
    sd = torch.load(save_tiny_fastmim_vit(TINY_VIT, folder), map_location='cpu')['state_dict']
    bare = {k[9:]: v for k, v in sd.items() if k.startswith('backbone.')}
    torch.save(bare, folder / 'fastmim_vit-tiny_backbone.pth')
    return str(folder / 'fastmim_vit-tiny_backbone.pth'), bare


def test_vit_ade20k_config_is_the_mae_setting_with_table14_optimisation():
    cfg = Config.fromfile(osp.join(BENCHMARKS, ADE_VIT))
    backbone = cfg.model.backbone
    assert backbone.type == 'MAE' and tuple(backbone.img_size) == (512, 512)
    assert backbone.init_values == 1.0 and backbone.drop_path_rate == 0.1
    assert list(backbone.out_indices) == [3, 5, 7, 11]
    assert cfg.model.pretrained == 'pretrain/fastmim_vit-base-p16_backbone.pth'
    assert cfg.optim_wrapper.constructor == 'LayerDecayOptimizerConstructor'
    assert cfg.optim_wrapper.paramwise_cfg.num_layers == 12
    warmup, decay = cfg.param_scheduler  # Table 14: linear decay after 1500 warm-up steps
    assert warmup.type == 'LinearLR' and (warmup.begin, warmup.end) == (0, 1500)
    assert decay.type == 'PolyLR' and decay.power == 1.0 and decay.eta_min == 0.0
    assert (decay.begin, decay.end) == (1500, 160000) == (1500, cfg.train_cfg.max_iters)


def test_mmseg_mae_backbone_takes_every_fastmim_vit_weight(fastmim_vit_backbone):
    """The loaded `MAE` backbone computes MMPretrain's ViT block features: no weight is lost."""
    import torch
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    from mmseg.registry import MODELS
    path, bare = fastmim_vit_backbone
    real = Config.fromfile(osp.join(BENCHMARKS, ADE_VIT))
    backbone_cfg = copy.deepcopy(real.model.backbone)
    backbone_cfg.update(TINY_MAE, drop_path_rate=0.0, pretrained=path)
    __import__('mmseg.models')
    with DefaultScope.overwrite_default_scope('mmseg'):
        mae = MODELS.build(backbone_cfg)
    mae.init_weights()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        vit = PRETRAIN_MODELS.build(
            dict(
                type='VisionTransformer',
                arch=TINY_VIT,
                img_size=64,
                out_indices=(0, 1, 2, 3),
                out_type='featmap',
                final_norm=False))
    # Strict, less the final norm that neither side keeps; the load hook resizes 2x2 -> 4x4.
    vit.load_state_dict({k: v for k, v in bare.items() if not k.startswith('ln1.')})
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    mae.eval(), vit.eval()
    with torch.no_grad():
        for ours, reference in zip(mae(x), vit(x)):
            torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-4)
    assert torch.equal(mae.layers[2].attn.qkv.bias, bare['layers.2.attn.qkv.bias'])


@pytest.fixture(scope='module')
def fastmim_vit_ade_run(fastmim_vit_backbone, ade_root, tmp_path_factory):
    """The ViT-B ADE20K config at tiny width, 2 iterations + mIoU from the FastMIM backbone."""
    path, bare = fastmim_vit_backbone
    real = Config.fromfile(osp.join(BENCHMARKS, ADE_VIT))
    tiny = osp.join(TEST_CONFIGS, 'upernet_vit-tiny-p16_1xb2-2iter_generated-ade.py')
    cfg = Config.fromfile(tiny)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = ade_root
    # The real config's backbone (mmseg's MAE), weights, optimisation and schedule.
    backbone = copy.deepcopy(real.model.backbone)
    backbone.update(TINY_MAE)
    cfg.model.backbone = backbone
    cfg.model.pretrained = path
    cfg.param_scheduler = copy.deepcopy(real.param_scheduler)
    runner, recorder = train_with_real_optimisation(
        cfg,
        real,
        tmp_path_factory.mktemp('fastmim_vit_ade_work'),
        num_layers=TINY_MAE['num_layers'])
    return runner, recorder, bare


@pytest.mark.slow
def test_vit_ade20k_trains_two_iterations_and_evaluates_miou(fastmim_vit_ade_run):
    import math
    runner, recorder, _ = fastmim_vit_ade_run
    assert type(runner.model.backbone).__name__ == 'MAE'
    assert runner.iter == 2
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert 0.0 <= recorder.metrics['mIoU'] <= 100.0


def test_vit_ade20k_backbone_starts_from_every_encoder_weight(fastmim_vit_ade_run):
    import torch
    from mmpretrain.models.utils import resize_pos_embed
    _, recorder, bare = fastmim_vit_ade_run
    state = recorder.state
    for key, value in bare.items():
        if key.startswith('ln1.'):  # the pretraining final norm; the config has no final norm
            assert key not in state
        elif key == 'pos_embed':
            torch.testing.assert_close(state[key], resize_pos_embed(value, (2, 2), (4, 4)))
        else:
            assert torch.equal(state[key], value), key
    # Everything else is the MAE setting's transfer-only tensors, at their neutral start.
    extra = set(state) - set(bare)
    assert extra and all(
        k.split('.')[-1] in ('gamma_1', 'gamma_2', 'relative_position_index',
                             'relative_position_bias_table') for k in extra)
    for key in extra:
        if key.endswith('relative_position_bias_table'):
            assert not state[key].any(), key
        elif 'gamma' in key:
            assert torch.equal(state[key], torch.ones_like(state[key])), key


def test_vit_ade20k_layer_decay_reaches_the_mae_backbone(fastmim_vit_ade_run):
    runner, _, _ = fastmim_vit_ade_run
    scales = {
        name: g['lr_scale']
        for g in runner.optim_wrapper.optimizer.param_groups
        for name in g['param_names']
    }
    # 4 blocks + stem + rest = 6 depths at decay 0.65 (Table 14); the heads at the full rate.
    assert scales['backbone.layers.3.attn.qkv.bias'] == pytest.approx(0.65)
    assert scales['backbone.patch_embed.projection.weight'] == pytest.approx(0.65**5)
    assert scales['decode_head.fpn_bottleneck.conv.weight'] == 1.0


# The ViT-B COCO config is PixMIM's (simple feature pyramid, LSJ) with the loud ViT and Table 13's
# optimisation; run it at tiny width from a FastMIM ViT checkpoint pretrained at 32 px (2x2 grid,
# standing for 128 px's 8x8) and detected at 128 px (8x8 grid).
COCO_VIT = 'mmdetection/mask-rcnn_vit-base-p16-sfp_8xb4-lsj-100e_coco.py'
TINY_COCO_VIT = dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=128)


@pytest.fixture(scope='module')
def fastmim_vit_coco_run(coco_root, tmp_path_factory):
    import torch
    ckpt = str(save_tiny_fastmim_vit(TINY_COCO_VIT, tmp_path_factory.mktemp('fastmim_vit_coco')))
    pretrained = {
        k[len('backbone.'):]: v
        for k, v in torch.load(ckpt, map_location='cpu')['state_dict'].items()
        if k.startswith('backbone.')
    }

    real = Config.fromfile(osp.join(BENCHMARKS, COCO_VIT))
    cfg = Config.fromfile(
        osp.join(TEST_CONFIGS, 'mask-rcnn_vit-tiny-p16-sfp_1xb2-2iter_'
                 'generated-coco.py'))
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = coco_root + '/'
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator.ann_file = osp.join(coco_root, 'annotations', 'val.json')
    cfg.model.backbone.type = real.model.backbone.type
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    runner, recorder = train_with_real_optimisation(cfg, real, tmp_path_factory.mktemp('work'))
    return runner, recorder, pretrained, real


@pytest.mark.slow
def test_vit_coco_config_is_pixmims_with_the_loud_vit_and_table13(fastmim_vit_coco_run):
    *_, real = fastmim_vit_coco_run
    assert real.model.backbone.type == 'mmpretrain.LoudVisionTransformer'
    assert real.model.backbone.init_cfg.type == 'Pretrained'
    optimizer = real.optim_wrapper.optimizer
    assert optimizer.lr == 8e-5 and optimizer.weight_decay == 0.1
    assert real.train_dataloader.batch_size == 4


def test_vit_coco_trains_two_iterations_and_evaluates(fastmim_vit_coco_run):
    import math
    runner, recorder, *_ = fastmim_vit_coco_run
    assert runner.iter == 2
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert 'coco/bbox_mAP' in recorder.metrics and 'coco/segm_mAP' in recorder.metrics


def test_vit_coco_backbone_starts_from_every_encoder_weight(fastmim_vit_coco_run):
    import torch
    _, recorder, pretrained, _ = fastmim_vit_coco_run
    for key, value in pretrained.items():
        if key == 'ln1.weight' or key == 'ln1.bias':
            assert key not in recorder.state  # final_norm=False: the pyramid's own norms
        elif key == 'pos_embed':  # 2x2 grid of the 32 px pretraining, resized to 8x8
            assert recorder.state[key].shape[-2] - value.shape[-2] == 64 - 4
        else:
            assert torch.equal(recorder.state[key], value), key
