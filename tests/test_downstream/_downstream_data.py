"""Generators of tiny COCO / ADE20K-style data sets and a mini MixMAE for the downstream tests."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'configs')
SHAPES = ('square', 'triangle', 'disc')


def shape_polygon(kind, cx, cy, r):
    """Vertices (N, 2) of a square, triangle or 24-gon disc centred at (cx, cy)."""
    if kind == 'square':
        return np.array([[cx - r, cy - r], [cx + r, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
    angles = np.linspace(0, 2 * np.pi, 3 if kind == 'triangle' else 24, endpoint=False)
    return np.stack([cx + r * np.sin(angles), cy - r * np.cos(angles)], 1)


def draw_scene(rng, size, max_objects=3):
    """A noisy background with 1..max_objects filled shapes; returns image and objects."""
    img = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
    objects = []
    for _ in range(rng.integers(1, max_objects + 1)):
        label = int(rng.integers(len(SHAPES)))
        r = float(rng.uniform(size * 0.1, size * 0.22))
        cx, cy = rng.uniform(r, size - r, 2)
        poly = shape_polygon(SHAPES[label], cx, cy, r)
        color = tuple(int(c) for c in rng.integers(120, 256, 3))
        cv2.fillPoly(img, [np.round(poly).astype(np.int32)], color)
        objects.append((label, poly))
    return img, objects


def write_coco(root, split, num_images, size=128, seed=0):
    """Images with drawn shapes and a COCO instances file (boxes and polygon masks)."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, split), exist_ok=True)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        img, objects = draw_scene(rng, size)
        name = f'{i:04d}.jpg'
        cv2.imwrite(osp.join(root, split, name), img)
        images.append(dict(id=i + 1, file_name=name, width=size, height=size))
        for label, poly in objects:
            x0, y0 = poly.min(0)
            x1, y1 = poly.max(0)
            area = float(cv2.contourArea(poly.astype(np.float32)))
            annotations.append(dict(
                id=len(annotations) + 1, image_id=i + 1, category_id=label + 1, iscrowd=0,
                bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)], area=area,
                segmentation=[[float(v) for v in poly.reshape(-1)]]))
    categories = [dict(id=i + 1, name=n) for i, n in enumerate(SHAPES)]
    with open(osp.join(root, 'annotations', f'{split}.json'), 'w') as f:
        json.dump(dict(info=dict(description='generated shapes'), licenses=[], images=images,
                       annotations=annotations, categories=categories), f)
    return root


def write_ade(root, split, num_images, size=64, seed=0):
    """ADE20K layout: ``images/<split>/*.jpg`` and ``annotations/<split>/*.png`` label maps
    (0 = "other", ignored by ``reduce_zero_label``; shape k is class k + 1)."""
    rng = np.random.default_rng(seed)
    img_dir = osp.join(root, 'images', split)
    ann_dir = osp.join(root, 'annotations', split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    for i in range(num_images):
        img, objects = draw_scene(rng, size)
        label = np.zeros((size, size), np.uint8)
        for cls, poly in objects:
            cv2.fillPoly(label, [np.round(poly).astype(np.int32)], cls + 1)
        cv2.imwrite(osp.join(img_dir, f'{i:04d}.jpg'), img)
        cv2.imwrite(osp.join(ann_dir, f'{i:04d}.png'), label)
    return root


def build_mini_mixmae(img_size=128, window_size=(8, 8, 8, 4)):
    """The mini MixMAE of the pretraining demo config, with every weight randomised."""
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='MixMAE', num_images=2,
            backbone=dict(type='MixMAESwinTransformer', arch='mini', img_size=img_size,
                          window_size=window_size),
            neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1,
                      num_heads=2),
            head=dict(type='MixMAEHead', norm_pix=True,
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
            self.state = {k: v.detach().clone()
                          for k, v in runner.model.backbone.state_dict().items()}

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
