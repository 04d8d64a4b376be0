"""A mini MixMAE and a recording trainer for the downstream tests (data: ``_generated_data``)."""
import os.path as osp

import torch
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'configs')


def build_mini_mixmae(img_size=128, window_size=(8, 8, 8, 4)):
    """The mini MixMAE of the pretraining demo config, with every weight randomised."""
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='MixMAE',
                num_images=2,
                backbone=dict(
                    type='MixMAESwinTransformer',
                    arch='mini',
                    img_size=img_size,
                    window_size=window_size),
                neck=dict(
                    type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
                head=dict(
                    type='MixMAEHead',
                    norm_pix=True,
                    loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model


def train_recording(cfg, work_dir, name):
    """Train a fp32 Runner from `cfg` (its few iterations, then the loop's final validation).

    Returns the runner and a hook holding the backbone's weights when training started
    (`state`) and the validation metrics (`metrics`)."""
    import uuid

    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    class Recorder(Hook):

        def before_train(self, runner):
            self.state = {
                k: v.detach().clone()
                for k, v in runner.model.backbone.state_dict().items()
            }

        def after_val_epoch(self, runner, metrics=None):
            self.metrics = metrics

    cfg.optim_wrapper.type = 'OptimWrapper'  # AMP needs a GPU; the param groups are the same
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{name}_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.train()
    return runner, recorder
