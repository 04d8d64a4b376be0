"""MixedAE transfer configs: ADE20K UperNet and COCO Mask R-CNN on the plain ViT, each trained
2 iterations on generated data, evaluated, and started from every encoder weight of a tiny
MixedAE pretraining checkpoint."""
import math
import os.path as osp

import pytest
import torch
from _downstream_data import TEST_CONFIGS, train_recording
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.models.utils import resize_pos_embed

from mixmim_mm.converters import save_checkpoint_file

ADE = osp.join(TEST_CONFIGS, 'upernet_vit-tiny-p16_1xb2-2iter_generated-ade.py')
COCO = osp.join(TEST_CONFIGS, 'mask-rcnn_vit-tiny-p16-sfp_1xb2-2iter_generated-coco-ms.py')


def mixedae_checkpoint(folder, embed_dims, num_layers, num_heads):
    """A tiny MixedAE (64 px: a 4x4 grid) with randomised weights, saved as training saves it."""
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='MixedAE',
                backbone=dict(
                    type='MixedAEViT',
                    img_size=64,
                    arch=dict(
                        embed_dims=embed_dims,
                        num_layers=num_layers,
                        num_heads=num_heads,
                        feedforward_channels=2 * embed_dims)),
                neck=dict(
                    type='MixMAEDecoder',
                    in_channels=embed_dims,
                    embed_dims=16,
                    depth=1,
                    num_heads=2),
                head=dict(type='MixMAEHead', norm_pix=True),
                contrastive_head=dict(
                    type='HomologousContrastiveHead', in_channels=embed_dims, proj_dims=16)))
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    path = str(folder / 'mixedae_tiny.pth')
    save_checkpoint_file(model.state_dict(), path)
    return path, {
        k[len('backbone.'):]: v.clone()
        for k, v in model.state_dict().items() if k.startswith('backbone.')
    }


def train(cfg, ckpt, work_dir):
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    return train_recording(cfg, work_dir, 'mixedae')


def assert_every_encoder_weight_loaded(state, pretrained, grid, new_grid, skip=()):
    for key, value in pretrained.items():
        if key.startswith(skip):
            continue
        if key == 'pos_embed':
            value = resize_pos_embed(value, grid, new_grid, 'bicubic', 1)
            torch.testing.assert_close(state[key], value)
        else:
            assert torch.equal(state[key], value), key


@pytest.fixture(scope='module')
def ade_trained(ade_root, tmp_path_factory):
    ckpt, pretrained = mixedae_checkpoint(tmp_path_factory.mktemp('mixedae_ade'), 32, 4, 2)
    cfg = Config.fromfile(ADE)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = ade_root
    return (*train(cfg, ckpt, tmp_path_factory.mktemp('ade_work')), pretrained)


@pytest.fixture(scope='module')
def coco_trained(coco_root, tmp_path_factory):
    ckpt, pretrained = mixedae_checkpoint(tmp_path_factory.mktemp('mixedae_coco'), 64, 2, 2)
    cfg = Config.fromfile(COCO)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = coco_root + '/'
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator.ann_file = osp.join(coco_root, 'annotations', 'val.json')
    return (*train(cfg, ckpt, tmp_path_factory.mktemp('coco_work')), pretrained)


@pytest.mark.slow
def test_ade20k_trains_two_iterations_and_evaluates_miou(ade_trained):
    runner, recorder, _ = ade_trained
    assert runner.iter == 2
    assert 0.0 <= recorder.metrics['mIoU'] <= 100.0
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())


def test_ade20k_backbone_starts_from_every_encoder_weight(ade_trained):
    _, recorder, pretrained = ade_trained
    # final_norm=False: the pretraining final norm is the one tensor left out.
    assert_every_encoder_weight_loaded(recorder.state, pretrained, (4, 4), (4, 4), skip=('ln1.', ))


def test_ade20k_layer_decay_reaches_the_vit(ade_trained):
    runner, _, _ = ade_trained
    scales = {g['param_name']: g['lr_scale'] for g in runner.optim_wrapper.optimizer.param_groups}
    # 4 blocks + stem + rest = 6 depths, decay 0.65; the head at the full rate.
    assert scales['backbone.layers.3.attn.qkv.weight'] == pytest.approx(0.65)
    assert scales['backbone.patch_embed.projection.weight'] == pytest.approx(0.65**5)
    assert scales['decode_head.fpn_bottleneck.conv.weight'] == 1.0
    decays = {
        g['param_name']: g['weight_decay']
        for g in runner.optim_wrapper.optimizer.param_groups
    }
    assert decays['backbone.pos_embed'] == decays['backbone.layers.0.ln1.weight'] == 0.
    assert decays['backbone.layers.0.attn.qkv.weight'] == pytest.approx(0.05)


@pytest.mark.slow
def test_coco_trains_two_iterations_and_evaluates(coco_trained):
    runner, recorder, _ = coco_trained
    assert runner.iter == 2
    for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
        assert 0.0 <= recorder.metrics[key] <= 1.0


def test_coco_backbone_starts_from_every_encoder_weight(coco_trained):
    _, recorder, pretrained = coco_trained
    assert_every_encoder_weight_loaded(recorder.state, pretrained, (4, 4), (8, 8), skip=('ln1.', ))


def test_tiny_coco_config_makes_the_real_configs_changes():
    from _downstream_data import REPO_ROOT
    real = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'mixedae', 'benchmarks',
                 'mask-rcnn_vit-base-p16-sfp_8xb2-ms-1x_coco.py'))
    tiny = Config.fromfile(COCO)
    assert tiny.model.backbone.type == real.model.backbone.type
    for key in ('pad_size_divisor', 'batch_augments'):
        assert tiny.model.data_preprocessor[key] == real.model.data_preprocessor[key]
    assert tiny.optim_wrapper.optimizer == real.optim_wrapper.optimizer
    assert tiny.optim_wrapper.paramwise_cfg == real.optim_wrapper.paramwise_cfg
    assert tiny.optim_wrapper.constructor == real.optim_wrapper.constructor
    assert [s.type for s in tiny.param_scheduler] == [s.type for s in real.param_scheduler]
    assert [t.type for t in tiny.train_dataloader.dataset.pipeline] == \
        [t.type for t in real.train_dataloader.dataset.pipeline]
