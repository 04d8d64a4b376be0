"""Run a shipped config for a few iterations on tiny on-disk data, changing only what may change.

A config is loaded from its file, and :func:`shrink_for_test` changes only

* data roots, annotation files and checkpoint paths (inputs the user points at),
* batch sizes and worker counts,
* iteration / epoch counts: the loop length, validation interval, the begin/end of every
  scheduler phase and of the progressive-resolution phases (mapped, in order, onto a short
  run that keeps every phase), ``RepeatDataset.times``, the logger and checkpoint intervals,
* model sizes: every backbone with narrow layers (one attention head each) and at most two
  blocks per stage, and the necks and heads that read it (decoders, pyramids, detection and
  segmentation heads) to match.

:func:`assert_only_allowed_changes` checks that against the config as shipped, leaf by
leaf, so the dataloader, collate function, sampler, pipeline, hooks and optimizer wrapper
are the shipped ones. The run itself goes through ``tools/train.py`` (which picks the optim
wrapper for a machine without a GPU), from the shrunk config written next to the work dir.
"""
import contextlib
import copy
import gc
import glob
import importlib
import inspect
import json
import os
import os.path as osp
import re

import torch
from _generated_data import write_ade, write_coco, write_imagenet_split
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')

# Leaves of a config that a test may change; everything else must stay as shipped.
_SIZE_KEYS = ('arch', 'depths', 'num_layers', 'embed_dims', 'num_heads', 'decoder_num_heads',
              'feedforward_channels', 'channels', 'in_channels', 'out_channels', 'embed_dim',
              'decoder_embed_dim', 'input_features', 'feat_channels', 'conv_out_channels',
              'fc_out_channels')
ALLOWED_CHANGES = [
    re.compile(p) for p in (
        r'(train|val|test)_dataloader\.(batch_size|num_workers)$',
        r'(train|val|test)_dataloader\.dataset(\.dataset)?\.(data_root|ann_file|times)$',
        r'(val|test)_evaluator\.ann_file$',
        r'train_cfg\.(max_epochs|max_iters|val_interval)$',
        r'param_scheduler(\[\d+\])?\.(begin|end)$',
        r'custom_hooks\[\d+\]\.phases\[\d+\]\.epochs$',
        r'default_hooks\.(logger|checkpoint)\.interval$',
        r'model\.backbone\.init_cfg\.checkpoint$',
        r'model\.pretrained$',
        r'model\.([a-z_]+(\[\d+\])?\.)*(%s)(\[\d+\]|\.[a-z_]+)*$' % '|'.join(_SIZE_KEYS),
        r'work_dir$',
    )
]
# Necks that hand the backbone's width on unchanged.
_WIDTH_PRESERVING_NECKS = ('GlobalAveragePooling', 'ClsBatchNormNeck', 'Feature2Pyramid')
HEAD_WIDTH = 16  # pyramid, RPN/RoI and segmentation head channels in the shrunk models
COCO_CLASSES = ('person', 'bicycle', 'car')  # COCO's first ids, drawn as the three shapes


def shipped_configs():
    """Every config under ``configs/`` that is not a base, relative to the repository."""
    paths = glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, REPO_ROOT) for p in paths
        if '_base_' not in osp.relpath(p, CONFIG_ROOT).split(os.sep))


def inner_dataset(loader_cfg):
    """The dataset config of a loader, inside a ``RepeatDataset``-style wrapper if any."""
    dataset = loader_cfg.dataset
    return dataset.dataset if 'dataset' in dataset else dataset


def data_layout(cfg):
    """``'imagenet'``, ``'coco'``, ``'ade'`` or ``'folder'``: what the config reads."""
    kind = inner_dataset(cfg.train_dataloader).type.split('.')[-1]
    layouts = dict(
        ImageNet='imagenet',
        CustomDataset='imagenet',
        LabelledImageFolder='imagenet',
        CocoDataset='coco',
        ADE20KDataset='ade',
        ImageFolderViews='folder')
    if kind not in layouts:
        raise KeyError(f'no tiny data set for dataset type {kind!r}: add one to {__file__}')
    return layouts[kind]


def write_layout(root, layout):
    """Write the tiny data set of ``layout`` under ``root`` (paths as the configs expect)."""
    if layout in ('imagenet', 'folder'):
        write_imagenet_split(root, 'train', 4, seed=0)
        write_imagenet_split(root, 'val', 4, seed=1)
    elif layout == 'coco':
        for split, count, seed in (('train2017', 1, 0), ('val2017', 2, 1)):
            write_coco(
                root,
                split,
                count,
                seed=seed,
                img_dir=split,
                ann_file=f'annotations/instances_{split}.json',
                categories=COCO_CLASSES)
    elif layout == 'ade':
        write_ade(root, 'training', 2, seed=0)
        write_ade(root, 'validation', 1, seed=1)
    return root


# ----------------------------------------------------------------------------- model widths


def _registry(cfg):
    scope = cfg.get('default_scope', 'mmpretrain')
    importlib.import_module(f'{scope}.models')
    return scope, importlib.import_module(f'{scope}.registry').MODELS


def _arch_settings(cls, backbone):
    """The width/depth settings in effect: class defaults < arch zoo entry < explicit keys."""
    defaults = {}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        for name, param in inspect.signature(init).parameters.items():
            if param.default is not inspect.Parameter.empty:
                defaults[name] = param.default
    settings = {}
    arch = backbone.get('arch', defaults.get('arch'))
    zoo = getattr(cls, 'arch_zoo', None) or getattr(cls, 'arch_settings', None)
    if isinstance(arch, str) and zoo is not None:
        settings.update(copy.deepcopy(zoo[arch.lower()] if arch.lower() in zoo else zoo[arch]))
    elif isinstance(arch, dict):
        settings.update(copy.deepcopy(dict(arch)))
    for key in ('embed_dims', 'num_heads', 'num_layers', 'depths', 'channels',
                'feedforward_channels'):
        if key in backbone:
            settings[key] = backbone[key]
        elif key not in settings and key in defaults and arch is None:
            settings[key] = defaults[key]
    return settings, arch is not None


def _narrow(settings):
    """Narrow widths for ``settings``: one attention head per layer (attention maps are the
    cost that width does not shrink), 16 channels in the first stage, the same depths.

    Returns:
        tuple: ``(new_settings, stage widths as shipped, stage widths shrunk)``.
    """
    new = dict(settings)
    dims, heads = settings.get('embed_dims'), settings.get('num_heads')
    one_head = (lambda h: [1] * len(h) if isinstance(h, (list, tuple)) else 1)
    if heads is not None:
        new['num_heads'] = one_head(heads)
    if 'feedforward_channels' in settings:  # ViT
        new.update(embed_dims=16, feedforward_channels=32)
        return new, [dims], [16]
    if 'channels' in settings:  # ConvNeXt
        new['channels'] = [16 * 2**i for i in range(len(settings['channels']))]
        return new, list(settings['channels']), new['channels']
    if isinstance(dims, (list, tuple)):  # Twins-SVT, ConvMAE
        new['embed_dims'] = [16 * 2**i for i in range(len(dims))]
        return new, list(dims), new['embed_dims']
    if 'depths' in settings:  # Swin
        new['embed_dims'] = 16
        stages = range(len(settings['depths']))
        return new, [dims * 2**i for i in stages], [16 * 2**i for i in stages]
    if isinstance(heads, (list, tuple)):  # PVT: stage width = embed_dims x heads
        new.update(embed_dims=4, num_heads=heads)
        return new, [dims * h for h in heads], [4 * h for h in heads]
    if isinstance(dims, int) and isinstance(heads, int):  # mmseg's MAE
        new['embed_dims'] = 16
        return new, [dims], [16]
    raise KeyError(f'no narrow width rule for the architecture settings {settings}')


def _shallow(new, backbone):
    """At most 2 blocks per stage of a staged backbone (in place), except in a stage whose
    blocks have their own window sizes; a plain ViT keeps its depth, which layer indices
    (``out_indices``, ``frozen_stages``) refer to."""
    windows = backbone.get('window_size')
    per_block = [isinstance(w, (list, tuple)) for w in windows] \
        if isinstance(windows, (list, tuple)) else []
    for key in ('depths', 'num_layers'):
        if isinstance(new.get(key), (list, tuple)):
            new[key] = [
                d if i < len(per_block) and per_block[i] else min(d, 2)
                for i, d in enumerate(new[key])
            ]


def _shrink_backbone(cfg):
    """Narrow ``cfg.model.backbone`` in place; returns ``{shipped width: narrow width}``."""
    scope, registry = _registry(cfg)
    backbone = cfg.model.backbone
    with DefaultScope.overwrite_default_scope(scope):
        cls = registry.get(backbone.type)
    if cls is None:
        raise KeyError(f'backbone type {backbone.type!r} is not registered in {scope}')
    settings, uses_arch = _arch_settings(cls, backbone)
    new, shipped, narrow = _narrow(settings)
    _shallow(new, backbone)
    if uses_arch:
        backbone.arch = ConfigDict(new)
    else:
        backbone.update({
            k: v
            for k, v in new.items()
            if k in backbone or k in ('embed_dims', 'num_heads', 'num_layers')
        })
    return dict(zip(shipped, narrow))


def _map_width(value, width_map, where):
    if isinstance(value, (list, tuple)):
        return type(value)(_map_width(v, width_map, where) for v in value)
    if value not in width_map:
        raise KeyError(f'{where}={value} matches no backbone stage width {sorted(width_map)}')
    return width_map[value]


def _shrink_reader(module, width_map, where):
    """Map the input width of a module that reads backbone features."""
    for key in ('in_channels', 'embed_dim', 'input_features'):
        if key in module:
            module[key] = _map_width(module[key], width_map, f'{where}.{key}')


def _shrink_internal(module):
    """Narrow a neck's or head's own layers (the depths stay)."""
    kind = module.type.split('.')[-1]
    if 'decoder_embed_dim' in module:  # MAE-style decoders
        module.update(decoder_embed_dim=16, decoder_num_heads=1)
    elif kind in ('MixMAEDecoder', 'FastMIMDecoder'):
        module.update(embed_dims=16, num_heads=1)
    elif kind in ('FPN', 'SimpleFeaturePyramid'):
        module.out_channels = HEAD_WIDTH
    if kind in ('UPerHead', 'FCNHead'):
        module.channels = HEAD_WIDTH


def _shrink_detector_heads(model):
    model.rpn_head.update(in_channels=HEAD_WIDTH, feat_channels=HEAD_WIDTH)
    roi = model.roi_head
    for extractor in ('bbox_roi_extractor', 'mask_roi_extractor'):
        roi[extractor].out_channels = HEAD_WIDTH
    roi.bbox_head.update(in_channels=HEAD_WIDTH, fc_out_channels=2 * HEAD_WIDTH)
    if 'conv_out_channels' in roi.bbox_head:
        roi.bbox_head.conv_out_channels = HEAD_WIDTH
    roi.mask_head.update(in_channels=HEAD_WIDTH, conv_out_channels=HEAD_WIDTH)


def shrink_model(cfg):
    """Narrow every layer of ``cfg.model`` in place (the backbone also shallower), keeping
    every module type."""
    model = cfg.model
    width_map = _shrink_backbone(cfg)
    necks = model.get('neck') or []
    reads_backbone = True
    for i, neck in enumerate(necks if isinstance(necks, list) else [necks]):
        if reads_backbone:
            _shrink_reader(neck, width_map, f'model.neck[{i}]')
        reads_backbone = reads_backbone and neck.type in _WIDTH_PRESERVING_NECKS
        _shrink_internal(neck)
    for name in ('head', 'decode_head', 'auxiliary_head', 'contrastive_head'):
        head = model.get(name)
        if head is None:
            continue
        if reads_backbone or name == 'contrastive_head':
            _shrink_reader(head, width_map, f'model.{name}')
        _shrink_internal(head)
    if 'roi_head' in model:
        _shrink_detector_heads(model)


# ----------------------------------------------------------------------------- run length


def _phase_boundaries(cfg, unit):
    """Every begin/end (in the loop's unit) of the schedule and of the resolution phases."""
    schedulers = cfg.get('param_scheduler') or []
    schedulers = schedulers if isinstance(schedulers, list) else [schedulers]
    bounds = set()
    for s in schedulers:
        if s.get('by_epoch', True) == (unit == 'epoch'):
            bounds.update(s[k] for k in ('begin', 'end') if k in s)
    for hook in cfg.get('custom_hooks') or []:
        total = 0
        for phase in hook.get('phases', []):
            total += phase['epochs']
            bounds.add(total)
    return bounds


def shorten_run(cfg):
    """Map the schedule, in order, onto a run of one step per phase (at least 2 steps).

    Each epoch has one iteration (the tiny data sets hold one batch), so a scheduler in
    iterations inside an epoch loop (a warm-up of a few hundred iterations) is mapped onto
    the first iteration. Returns the number of iterations of the run.
    """
    loop = cfg.train_cfg
    unit = 'epoch' if loop.get('by_epoch', True) and 'max_iters' not in loop else 'iter'
    total = loop.max_epochs if unit == 'epoch' else loop.max_iters
    bounds = sorted(b for b in _phase_boundaries(cfg, unit) | {0, total} if b <= total)
    step_of = {b: i for i, b in enumerate(bounds)}
    steps = max(2, step_of[total])
    step_of[total] = steps

    def remap(value, same_unit):
        if not same_unit:
            return min(value, 1)
        return step_of[max(b for b in bounds if b <= value)] if value < total else steps

    schedulers = cfg.get('param_scheduler') or []
    for s in schedulers if isinstance(schedulers, list) else [schedulers]:
        same_unit = s.get('by_epoch', True) == (unit == 'epoch')
        for key in ('begin', 'end'):
            if key in s:
                s[key] = remap(s[key], same_unit)
    for hook in cfg.get('custom_hooks') or []:
        ends = [0]
        for phase in hook.get('phases', []):
            ends.append(ends[-1] + phase['epochs'])
            phase['epochs'] = remap(ends[-1], True) - remap(ends[-2], True)
    loop['max_epochs' if unit == 'epoch' else 'max_iters'] = steps
    if 'val_interval' in loop:
        loop.val_interval = steps
    cfg.default_hooks.logger.interval = 1
    if 'checkpoint' in cfg.default_hooks:  # one checkpoint, at the end
        cfg.default_hooks.checkpoint.interval = steps
    if 'times' in cfg.train_dataloader.dataset:
        cfg.train_dataloader.dataset.times = 1
    return steps


# ----------------------------------------------------------------------------- data

_BATCH = dict(imagenet=4, folder=4, coco=1, ade=2)
_VAL_BATCH = dict(imagenet=4, coco=1, ade=1)


def point_at_data(cfg, layout, root):
    """Data roots, annotation files, batch sizes and worker counts for the tiny data."""
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if not loader:
            continue
        loader.batch_size = _BATCH[layout] if name == 'train_dataloader' else _VAL_BATCH[layout]
        loader.num_workers = min(loader.get('num_workers', 0), 1)
        inner_dataset(loader).data_root = root + ('/' if layout != 'folder' else '')
    for name in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg.get(name)
        for ev in (evaluator if isinstance(evaluator, list) else [evaluator]):
            if ev and 'ann_file' in ev:
                ev.ann_file = osp.join(root, 'annotations', osp.basename(ev.ann_file))


def needs_backbone_checkpoint(cfg):
    init_cfg = cfg.model.backbone.get('init_cfg')
    return cfg.model.get('pretrained') is not None or (isinstance(init_cfg, dict)
                                                       and init_cfg.get('type') == 'Pretrained')


def write_backbone_checkpoint(cfg, path):
    """Save the (shrunk) backbone's own fresh weights where the config loads them from, in the
    key layout its ``init_cfg`` expects (``prefix='backbone.'``: a whole-model checkpoint)."""
    scope, registry = _registry(cfg)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('pretrained', None)
    model_cfg.backbone.pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope(scope):
        backbone = registry.build(model_cfg).backbone
    init_cfg = cfg.model.backbone.get('init_cfg') or {}
    prefix = init_cfg.get('prefix') or ''
    state = {prefix + k: v for k, v in backbone.state_dict().items()}
    torch.save({'state_dict': state, 'meta': {}}, path)
    if cfg.model.get('pretrained') is not None:
        cfg.model.pretrained = path
    else:
        cfg.model.backbone.init_cfg.checkpoint = path
    return path


# ----------------------------------------------------------------------------- checks


def _leaf_changes(old, new, path=''):
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            sub = f'{path}.{key}' if path else str(key)
            if key not in old or key not in new:
                yield sub
            else:
                yield from _leaf_changes(old[key], new[key], sub)
    elif isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)) \
            and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            yield from _leaf_changes(a, b, f'{path}[{i}]')
    elif old != new:
        yield path


def assert_only_allowed_changes(shipped, shrunk):
    """Fail naming every leaf that differs from the shipped config outside the allowed set."""
    changed = list(_leaf_changes(shipped.to_dict(), shrunk.to_dict()))
    bad = [c for c in changed if not any(p.match(c) for p in ALLOWED_CHANGES)]
    assert not bad, f'the test changed settings it may not change: {bad}'
    return changed


def shrink_for_test(path, data_root, work_dir):
    """The config at ``path`` with the allowed changes for a short run on ``data_root``
    (a folder, or ``root_of(layout)`` giving the folder of the config's data layout).

    Returns:
        tuple: ``(shrunk Config, number of iterations)``.
    """
    shipped = Config.fromfile(path if osp.isabs(path) else osp.join(REPO_ROOT, path))
    cfg = copy.deepcopy(shipped)
    layout = data_layout(cfg)
    if callable(data_root):
        data_root = data_root(layout)
    point_at_data(cfg, layout, data_root)
    steps = shorten_run(cfg)
    shrink_model(cfg)
    if needs_backbone_checkpoint(cfg):
        os.makedirs(work_dir, exist_ok=True)
        write_backbone_checkpoint(cfg, osp.join(work_dir, 'backbone_init.pth'))
    cfg.work_dir = work_dir
    assert_only_allowed_changes(shipped, cfg)
    return cfg, steps


@contextlib.contextmanager
def run_in_process():
    """Run a Runner in this (test) process as if it had a process of its own.

    * Objects alive before the run stay out of the garbage collector (``gc.freeze``): a test
      process holds far more of them than a training process, and every collection during
      the run would walk them.
    * Afterwards the dataloader workers the run left (persistent workers, or iterators of a
      loop that stopped early) are shut down now, as the end of a training process would
      shut them down. Left to a later garbage collection, their iterators are finalised as
      part of a reference cycle, the workers miss the stop signal, and each join waits
      torch's 5 s timeout inside whatever test happens to be running.
    """
    from torch.utils.data.dataloader import _MultiProcessingDataLoaderIter
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        for obj in gc.get_objects():
            if isinstance(obj, _MultiProcessingDataLoaderIter):
                obj._shutdown_workers()


def forget_visualizers():
    """Drop every visualizer instance, as a fresh process would start.

    mmengine keeps visualizers by name process-wide and MMDetection/MMSegmentation configs
    name theirs ``'visualizer'``: a second Runner in the same process would reuse the first
    one, which writes to the first run's folder.
    """
    from mmengine.visualization import Visualizer
    pending = [Visualizer]
    while pending:
        cls = pending.pop()
        cls._instance_dict.clear()
        pending.extend(cls.__subclasses__())


def logged_scalars(work_dir):
    """The ``scalars.json`` records the run wrote (one dict per logged step)."""
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert len(files) == 1, f'expected one scalars.json under {work_dir}, found {files}'
    with open(files[0]) as f:
        return [json.loads(line) for line in f if line.strip()]


def assert_trained_and_evaluated(cfg, work_dir, steps):
    """Every iteration logged a finite loss; a config with a val loop logged its metrics."""
    records = logged_scalars(work_dir)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == steps, f'{len(losses)} logged losses for {steps} iterations'
    assert all(torch.isfinite(torch.tensor(v)) for v in losses), losses
    if cfg.get('val_dataloader') and cfg.get('val_cfg') is not None:
        val = [r for r in records if 'loss' not in r and 'lr' not in r]
        assert val, f'the val loop did not run: {records[-2:]}'
        keys = {k for r in val for k in r} - {'step', 'time', 'data_time', 'epoch', 'iter'}
        if not keys and cfg.val_evaluator.get('type') == 'CocoMetric':
            # A detector after two steps scores no box above the test threshold: the COCO
            # evaluation runs and says the results are empty instead of giving numbers.
            logs = glob.glob(osp.join(work_dir, '*', '*.log'))
            with open(logs[0]) as f:
                log = f.read()
            assert 'Evaluating bbox...' in log and 'results of the whole dataset is empty' in log
        else:
            assert keys, f'no validation metric was logged: {val}'
