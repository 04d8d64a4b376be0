"""Does pretraining learn? Pretrain every method on the same labelled image folder for the same
budget, then measure its frozen features (kNN and linear probe top-1) and, optionally, a short
end-to-end fine-tune, each against the same network at random initialisation.

    python tools/analysis_tools/representation_benchmark.py --data data/imagenette2-128 \\
        --seeds 0 1 --epochs 6 --finetune-epochs 2 --out work_dirs/representation/results.json
    python tools/analysis_tools/representation_benchmark.py --data DIR --quick

* Methods (``--methods``): the 128 px small-scale configs of ``mixmae``, ``mixedae``,
  ``pixmim``, ``fastmim`` and MMPretrain's ``mae`` and ``simmim`` (see ``METHODS``), all with
  the rules of ``configs/_base_/schedules/small-scale_*.py``; nothing here changes a method's
  recipe, only the data root, the seed and the budget.
* Budget: ``--epochs N`` for every method, or ``--minutes M``: the whole epochs of each method
  that fit M minutes at its speed measured on this machine (a short probe run first, which
  also measures the run's one-off setup).
* Pretraining runs through ``tools/train.py``'s preparation (bf16 autocast where the CPU has
  it, ``--fp32`` to force fp32) and MMPretrain's Runner, with ``KNNEvalHook`` logging kNN top-1
  on a 1000/500-image subset after every epoch; its time is left out of ``pretrain_s``.
* Frozen features: pooled outputs of the backbone's unmasked forward at 128 px (short side,
  centre crop) on the whole ``meta/train.txt`` / ``meta/val.txt`` splits; kNN is DINO's
  (cosine, k = 20, vote weights exp(cos / 0.07)); the linear probe is a multinomial logistic
  regression on standardised features (``mixmim_mm.evaluation``). The evaluation images are
  decoded once per run and kept in memory (``--eval-cache-gb``).
* Fine-tuning (``--finetune-epochs``, for ``--finetune-methods``): MMPretrain's
  ``ImageClassifier`` with the pretrained encoder loaded by the loud ``Pretrained`` init (every
  encoder weight must load), against the same recipe from random initialisation.

Output: ``--out`` (a JSON list of rows, one per method, seed and initialisation: ``method``
is the method's name or ``random_init`` with ``backbone_of`` naming the method whose network
it is), the Markdown table beside it (``.md``) and a plot of kNN top-1 against pretraining
time (``.png``). Accuracies are fractions in 0..1.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
import time
import uuid

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = {
    'mixmae': 'configs/mixmae/mixmae_swin-mini_1xb32-amp-coslr-10e_imagenette-128px.py',
    'mixedae': 'configs/mixedae/mixedae_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px.py',
    'pixmim': 'configs/pixmim/pixmim_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px.py',
    'fastmim': 'configs/fastmim/fastmim_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-64px.py',
    'mae': 'configs/baselines/mae_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px.py',
    'simmim': 'configs/baselines/simmim_swin-mini_1xb32-amp-coslr-10e_imagenette-128px.py',
}
EVAL_SIZE = 128
QUICK_EPOCHS = 1
PROBE_ITERS = 96  # iterations of the --minutes speed probe
PROBE_TIMED = 64  # its last iterations, whose mean times an epoch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--data',
        default='data/imagenette2-128',
        help='labelled image folder: meta/train.txt, meta/val.txt, train/, val/')
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--epochs', type=int, help='pretraining epochs of every method')
    budget.add_argument(
        '--minutes',
        type=float,
        help='pretraining minutes of every method (whole epochs at its speed)')
    parser.add_argument(
        '--quick',
        action='store_true',
        help=f'one seed, {QUICK_EPOCHS} epoch each, kNN and linear probe only')
    parser.add_argument(
        '--finetune-epochs', type=int, default=0, help='end-to-end fine-tuning epochs (0: none)')
    parser.add_argument(
        '--finetune-methods',
        nargs='+',
        default=list(METHODS),
        choices=sorted(FINETUNE_BACKBONES_OF))
    parser.add_argument(
        '--knn-interval', type=int, default=1, help='epochs between the kNN points of the curve')
    parser.add_argument(
        '--finetune-seeds',
        nargs='+',
        type=int,
        default=None,
        help='fine-tune only for these of --seeds (default: every seed)')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='keep the rows already in --out and run only the missing method/seed pairs')
    parser.add_argument('--fp32', action='store_true', help='train in fp32 everywhere')
    parser.add_argument(
        '--eval-cache-gb',
        type=float,
        default=4.0,
        help='keep the decoded evaluation images in memory when they take at most this '
        'many GB (every method then encodes them without decoding again; 0: never)')
    parser.add_argument(
        '--complexity',
        action='store_true',
        help='print each method\'s encoder parameters and GFLOPs and exit')
    parser.add_argument('--work-dir', default='work_dirs/representation')
    parser.add_argument('--out', default=None, help='JSON file (default: WORK_DIR/results.json)')
    args = parser.parse_args(argv)
    if args.complexity:  # needs neither data nor a budget
        return args
    if args.quick:
        args.seeds = args.seeds[:1]
        args.epochs = args.epochs or QUICK_EPOCHS
        args.finetune_epochs = 0
    if args.epochs is None and args.minutes is None:
        parser.error('give the budget: --epochs N, --minutes M or --quick')
    if (args.epochs is not None and args.epochs < 1) or (args.minutes is not None
                                                         and args.minutes <= 0):
        parser.error('the budget must be positive')
    for split in ('train', 'val'):
        if not osp.isfile(osp.join(args.data, 'meta', f'{split}.txt')):
            parser.error(f'--data {args.data}: no meta/{split}.txt (MMPretrain CustomDataset '
                         'layout: meta/train.txt, meta/val.txt, train/, val/)')
    args.out = args.out or osp.join(args.work_dir, 'results.json')
    return args


# ----------------------------------------------------------------------------- configs


def pretrain_config(method, seed, epochs, args):
    """The method's config with only the data root, seed, budget and kNN interval set."""
    from mmengine.config import Config

    from mixmim_mm.engine.launch_utils import prepare_train_config
    cfg = Config.fromfile(osp.join(REPO_ROOT, METHODS[method]))
    cfg.train_dataloader.dataset.data_root = args.data
    cfg.randomness = dict(seed=seed, diff_rank_seed=True)
    cfg.train_cfg.max_epochs = epochs
    for hook in cfg.custom_hooks:
        if hook.type == 'KNNEvalHook':
            hook.update(interval=args.knn_interval, by_epoch=True)
    cfg.work_dir = osp.join(args.work_dir, method, f'seed{seed}')
    cfg.experiment_name = f'{method}_seed{seed}_{uuid.uuid4().hex[:6]}'
    prepare_train_config(cfg, force_fp32=args.fp32)
    return cfg


def seconds_per_epoch(method, args):
    """Measure a method's training speed on this machine: ``(setup_s, epoch_s)``.

    ``epoch_s`` is the mean iteration time of the last ``PROBE_TIMED`` of ``PROBE_ITERS``
    iterations times the iterations of an epoch (the first iterations are slower: counting
    them overstated an epoch by half on a 2-core AMD EPYC; the mean, not the median, so that
    occasional slow iterations count); ``setup_s`` is what the run spends outside its
    iterations (building the loop, optimizer and data workers), paid once. On a shared
    virtual machine an epoch still varies by about a tenth from one run to the next.
    """
    from mmengine.runner import Runner
    cfg = pretrain_config(method, 0, 1, args)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=PROBE_ITERS)
    cfg.param_scheduler = []
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h.type != 'KNNEvalHook']
    cfg.default_hooks.checkpoint = None
    cfg.work_dir = osp.join(args.work_dir, 'speed_probe', method)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    times = runner.message_hub.get_scalar('train/time').data[0]
    setup = max(0.0, wall - sum(times))
    return setup, statistics.mean(times[-PROBE_TIMED:]) * len(runner.train_dataloader)


def epochs_in_budget(minutes, setup_s, epoch_s):
    """Whole epochs that fit ``minutes`` after the one-off setup (at least one)."""
    return max(1, int((minutes * 60 - setup_s) // epoch_s))


# Pretraining backbone -> the classification backbone that takes its weights through the loud
# loader (every encoder weight must load; pretraining-only tensors are declared and skipped).
FINETUNE_BACKBONES_OF = {
    'mixmae': 'MixMAESwinTransformer',
    'mixedae': 'LoudVisionTransformer',
    'pixmim': 'LoudVisionTransformer',
    'fastmim': 'LoudVisionTransformer',
    'mae': 'LoudVisionTransformer',
    'simmim': 'LoudSwinTransformer',
}


def classifier_backbone(backbone):
    """The classification encoder (and neck) that takes the pretraining encoder's weights."""
    if backbone.type == 'MixMAESwinTransformer':
        return dict(
            type='MixMAESwinTransformer',
            arch=backbone.arch,
            img_size=EVAL_SIZE,
            window_size=backbone.window_size,
            mask_unit=backbone.mask_unit,
            out_indices=(3, ),
            drop_path_rate=0.1), 'GlobalAveragePooling'
    if backbone.type in ('MAEViT', 'MixedAEViT', 'FastMIMViT'):
        return dict(
            type='LoudVisionTransformer',
            arch=backbone.arch,
            img_size=EVAL_SIZE,
            patch_size=backbone.patch_size,
            out_type='avg_featmap',
            final_norm=False,
            drop_path_rate=0.1), None
    if backbone.type == 'SimMIMSwinTransformer':
        return dict(
            type='LoudSwinTransformer',
            arch=backbone.arch,
            img_size=EVAL_SIZE,
            stage_cfgs=backbone.stage_cfgs,
            out_indices=(3, ),
            drop_path_rate=0.1), 'GlobalAveragePooling'
    raise ValueError(f'fine-tuning a {backbone.type} is not wired here; fine-tune one of '
                     f'{sorted(FINETUNE_BACKBONES_OF)}')


def feature_width(pretrain_cfg):
    """Channels of the pooled features of the method's encoder."""
    from mixmim_mm.evaluation.features import pooled_features
    backbone = random_init_model(pretrain_cfg, 0).backbone
    backbone.eval()
    with torch.no_grad():
        return pooled_features(backbone, torch.zeros(1, 3, EVAL_SIZE, EVAL_SIZE)).shape[1]


def finetune_config(pretrain_cfg, checkpoint, num_classes, seed, epochs, work_dir, args):
    """MMPretrain classifier on the pretraining encoder: the same recipe with or without the
    pretrained weights (``checkpoint`` None: random initialisation)."""
    from mmengine.config import Config

    from mixmim_mm.engine.launch_utils import prepare_train_config
    backbone, neck = classifier_backbone(pretrain_cfg.model.backbone)
    if checkpoint is not None:
        backbone['init_cfg'] = dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
    width = feature_width(pretrain_cfg)
    preprocessor = dict(
        pretrain_cfg.data_preprocessor, type='ClsDataPreprocessor', num_classes=num_classes)
    train_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(
            type='RandomResizedCrop',
            scale=EVAL_SIZE,
            crop_ratio_range=(0.35, 1.0),
            backend='pillow',
            interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackInputs'),
    ]
    from mixmim_mm.evaluation.features import eval_pipeline

    def loader(split, pipeline, shuffle):
        return dict(
            batch_size=64,
            num_workers=2,
            persistent_workers=True,
            sampler=dict(type='DefaultSampler', shuffle=shuffle),
            dataset=dict(
                type='LabelledImageFolder',
                data_root=args.data,
                ann_file=f'meta/{split}.txt',
                data_prefix=f'{split}/',
                pipeline=pipeline))

    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/default_runtime.py'))
    cfg.merge_from_dict(
        dict(
            model=dict(
                type='ImageClassifier',
                data_preprocessor=preprocessor,
                backbone=backbone,
                neck=dict(type=neck) if neck else None,
                head=dict(
                    type='LinearClsHead',
                    num_classes=num_classes,
                    in_channels=width,
                    loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'))),
            train_dataloader=loader('train', train_pipeline, True),
            val_dataloader=loader('val', eval_pipeline(EVAL_SIZE), False),
            val_evaluator=dict(type='Accuracy', topk=(1, )),
            optim_wrapper=dict(
                type='MixedPrecisionOptimWrapper',
                optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
                paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0)),
            param_scheduler=[
                dict(
                    type='LinearLR',
                    start_factor=1e-2,
                    by_epoch=True,
                    begin=0,
                    end=0.5,
                    convert_to_iter_based=True),
                dict(
                    type='CosineAnnealingLR',
                    eta_min=0.0,
                    by_epoch=True,
                    begin=0.5,
                    convert_to_iter_based=True)
            ],
            train_cfg=dict(by_epoch=True, max_epochs=epochs, val_interval=epochs),
            val_cfg=dict(),
            default_hooks=dict(
                logger=dict(type='LoggerHook', interval=50),
                checkpoint=dict(interval=epochs, max_keep_ckpts=1)),
            randomness=dict(seed=seed, diff_rank_seed=True),
            work_dir=work_dir,
            experiment_name=f'{osp.basename(work_dir)}_{uuid.uuid4().hex[:6]}',
        ))
    prepare_train_config(cfg, force_fp32=args.fp32)
    return cfg


# ----------------------------------------------------------------------------- stages


def eval_batches(data, split, cache_gb):
    """The batches of a split in the evaluation view: decoded once and kept in memory when
    they fit ``cache_gb`` (every model of the run encodes the same images, and decoding in
    worker processes beside the encoder slowed it by a third on 2 cores), else a loader
    that decodes them for every model."""
    from mixmim_mm.evaluation.features import labelled_loader
    loader = labelled_loader(data, split, EVAL_SIZE, batch_size=128)
    size_gb = len(loader.dataset) * 3 * EVAL_SIZE**2 / 1e9
    if size_gb > cache_gb:
        print(
            f'[eval] {split}: {size_gb:.1f} GB of images, more than --eval-cache-gb '
            f'{cache_gb}: decoded again for every model',
            flush=True)
        return loader
    return list(loader)


def frozen_scores(model, loaders, features_file):
    """kNN and linear-probe top-1 of the model's frozen, pooled features; the features are
    kept in ``features_file`` (a few MB) so that a probe can be rerun without the model."""
    from mixmim_mm.evaluation.features import encode
    from mixmim_mm.evaluation.knn import knn_top1
    from mixmim_mm.evaluation.linear_probe import linear_probe_top1
    train_x, train_y = encode(model, loaders['train'])
    val_x, val_y = encode(model, loaders['val'])
    os.makedirs(osp.dirname(features_file), exist_ok=True)
    torch.save(
        dict(train=train_x, train_labels=train_y, val=val_x, val_labels=val_y), features_file)
    num_classes = int(max(train_y.max(), val_y.max())) + 1
    return dict(
        knn_top1=knn_top1(train_x, train_y, val_x, val_y, num_classes),
        linear_top1=linear_probe_top1(train_x, train_y, val_x, val_y, num_classes),
        num_classes=num_classes)


def random_init_model(cfg, seed):
    """The pretraining model of ``cfg``, freshly initialised with ``seed``."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import set_random_seed
    from mmpretrain.registry import MODELS
    set_random_seed(seed)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def pretraining_size(cfg):
    """Side of the square crops the method pretrains on (its pipeline's crop)."""
    for step in cfg.train_dataloader.dataset.pipeline:
        for key in ('scale', 'size'):
            if step['type'].endswith('ResizedCrop') and isinstance(step.get(key), int):
                return step[key]
    raise ValueError(f'{cfg.filename}: no RandomResizedCrop/SimpleResizedCrop in the '
                     'train pipeline to read the pretraining size from')


def complexity(method):
    """Encoder parameters and GFLOPs per image of the method's small-scale config: the
    frozen-feature forward at the evaluation size (what kNN and the linear probe run) and
    the pretraining size (FastMIM pretrains at half of it)."""
    from mmengine.config import Config

    from mixmim_mm.evaluation.features import pooled_features
    from mixmim_mm.utils.meta_flops import count_flops_meta

    class Pooled(torch.nn.Module):

        def __init__(self, backbone):
            super().__init__()
            self.backbone = backbone

        def forward(self, x):
            return pooled_features(self.backbone, x)

    cfg = Config.fromfile(osp.join(REPO_ROOT, METHODS[method]))
    backbone = random_init_model(cfg, 0).backbone
    backbone.eval()
    params = sum(p.numel() for p in backbone.parameters())
    gflops = count_flops_meta(Pooled(backbone), torch.zeros(1, 3, EVAL_SIZE, EVAL_SIZE)) / 1e9
    return dict(
        method=method,
        encoder=cfg.model.backbone.type,
        params_m=params / 1e6,
        gflops=gflops,
        pretrain_px=pretraining_size(cfg),
        eval_px=EVAL_SIZE)


def complexity_table(methods):
    lines = [
        '| method | encoder | params (M) | GFLOPs / image at eval px | pretrain px | '
        'eval px |', '|---|---|---|---|---|---|'
    ]
    for c in (complexity(m) for m in methods):
        lines.append(f"| {c['method']} | {c['encoder']} | {c['params_m']:.2f} | "
                     f"{c['gflops']:.3f} | {c['pretrain_px']} | {c['eval_px']} |")
    return '\n'.join(lines) + '\n'


def run_finetune(cfg):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    metrics = runner.message_hub.get_scalar('val/accuracy/top1').current()
    return metrics / 100.0, time.perf_counter() - start


def run_method(method, seed, epochs, loaders, args):
    """Pretrain, then score; returns the method's rows (pretrained and random init)."""
    from mmengine.runner import Runner
    cfg = pretrain_config(method, seed, epochs, args)
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    hook = next(h for h in runner.hooks if type(h).__name__ == 'KNNEvalHook')
    common = dict(
        config=METHODS[method],
        seed=seed,
        data=args.data,
        precision=getattr(runner.optim_wrapper, 'precision', 'fp32'))
    trained = dict(
        method=method,
        **common,
        epochs=epochs,
        pretrain_s=wall - hook.seconds,
        knn_curve=[
            dict(train_seconds=h['train_seconds'], epoch=h['epoch'], knn_top1_subset=h['knn_top1'])
            for h in hook.history
        ])
    trained.update(
        frozen_scores(runner.model, loaders, osp.join(cfg.work_dir, 'features_pretrained.pt')))
    fresh = dict(method='random_init', backbone_of=method, **common, pretrain_s=0.0, epochs=0)
    fresh.update(
        frozen_scores(
            random_init_model(cfg, seed), loaders, osp.join(cfg.work_dir, 'features_random.pt')))
    if (args.finetune_epochs and method in args.finetune_methods
            and (args.finetune_seeds is None or seed in args.finetune_seeds)):
        checkpoint = osp.join(cfg.work_dir, f'epoch_{epochs}.pth')
        for row, ckpt, tag in ((trained, checkpoint, 'pretrained'), (fresh, None, 'random')):
            ft_cfg = finetune_config(cfg, ckpt, trained['num_classes'], seed, args.finetune_epochs,
                                     osp.join(cfg.work_dir, f'finetune_{tag}'), args)
            row['finetune_top1'], row['finetune_s'] = run_finetune(ft_cfg)
            row['finetune_epochs'] = args.finetune_epochs
    return [trained, fresh]


# ----------------------------------------------------------------------------- report


def _mean_spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.mean(values), (max(values) - min(values)) / 2


def summary_rows(rows):
    """Per method: mean and half-range over seeds of each score, and the random-init scores
    of the same network."""
    summary = []
    for method in dict.fromkeys(r['method'] for r in rows if r['method'] != 'random_init'):
        mine = [r for r in rows if r['method'] == method]
        fresh = [r for r in rows if r.get('backbone_of') == method]
        entry = dict(
            method=method,
            seeds=len(mine),
            epochs=mine[0]['epochs'],
            pretrain_min=statistics.mean(r['pretrain_s'] for r in mine) / 60)
        for key in ('knn_top1', 'linear_top1', 'finetune_top1'):
            entry[key] = _mean_spread([r.get(key) for r in mine])
            entry[f'random_{key}'] = _mean_spread([r.get(key) for r in fresh])
        summary.append(entry)
    return summary


def markdown_table(rows, args):

    def pct(pair):
        mean, spread = pair
        return '-' if mean is None else f'{100 * mean:.1f} ± {100 * spread:.1f}'

    lines = [
        '| method | epochs | pretrain min | kNN top-1 | random init | linear top-1 | '
        'random init | fine-tune top-1 | random init |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for s in summary_rows(rows):
        lines.append(
            f"| {s['method']} | {s['epochs']} | {s['pretrain_min']:.1f} | {pct(s['knn_top1'])} "
            f"| {pct(s['random_knn_top1'])} | {pct(s['linear_top1'])} | "
            f"{pct(s['random_linear_top1'])} | {pct(s['finetune_top1'])} | "
            f"{pct(s['random_finetune_top1'])} |")
    seeds = ' '.join(str(s) for s in args.seeds)
    lines.append('')
    lines.append(f'Mean ± half-range over seeds {seeds}; data `{args.data}`; kNN k = 20, '
                 'T = 0.07 on the whole train/val splits at 128 px.')
    return '\n'.join(lines) + '\n'


def plot_curves(rows, path):
    """kNN top-1 (the hook's 1000/500 subset) against pretraining minutes, per method."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    methods = list(dict.fromkeys(r['method'] for r in rows if r['method'] != 'random_init'))
    for i, method in enumerate(methods):
        color = f'C{i}'
        for j, row in enumerate(r for r in rows if r['method'] == method):
            points = row['knn_curve']
            ax.plot([p['train_seconds'] / 60 for p in points],
                    [100 * p['knn_top1_subset'] for p in points],
                    color=color,
                    marker='o',
                    markersize=3,
                    alpha=0.9 if j == 0 else 0.5,
                    label=method if j == 0 else None)
    ax.set_xlabel('pretraining time (minutes, evaluations excluded)')
    ax.set_ylabel('kNN top-1 (%)')
    ax.set_title('kNN top-1 during pretraining (first point: random initialisation)')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    import mixmim_mm  # noqa: F401  (registers everything)
    if args.complexity:
        print(complexity_table(args.methods))
        return []
    os.makedirs(args.work_dir, exist_ok=True)
    torch.set_num_threads(torch.get_num_threads())
    loaders = {
        split: eval_batches(args.data, split, args.eval_cache_gb)
        for split in ('train', 'val')
    }
    rows = []
    if args.resume and osp.isfile(args.out):
        with open(args.out) as f:
            rows = json.load(f)
    # Once, before any training: the configs as they are when the run starts.
    complexity_md = complexity_table(
        dict.fromkeys([r['method']
                       for r in rows if r['method'] != 'random_init'] + list(args.methods)))
    for method in args.methods:
        done = {r['seed']: r for r in rows if r['method'] == method}
        epochs = args.epochs
        if done and epochs is None:  # the budget in epochs is the one already measured
            epochs = next(iter(done.values()))['epochs']
        if epochs is None:
            setup_s, epoch_s = seconds_per_epoch(method, args)
            epochs = epochs_in_budget(args.minutes, setup_s, epoch_s)
            print(
                f'[{method}] {epoch_s:.1f} s per epoch, {setup_s:.1f} s setup: {epochs} '
                f'epochs in {args.minutes} min',
                flush=True)
        for seed in args.seeds:
            if seed in done:
                continue
            new = run_method(method, seed, epochs, loaders, args)
            rows.extend(new)
            print(
                f'[{method} seed {seed}] ' +
                ', '.join(f"{r['method']}: kNN {100 * r['knn_top1']:.1f} linear "
                          f"{100 * r['linear_top1']:.1f}" for r in new),
                flush=True)
            _write(rows, args, complexity_md)
    print(markdown_table(rows, args))
    return rows


def _write(rows, args, complexity_md):
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(rows, f, indent=1)
    stem = osp.splitext(args.out)[0]
    with open(stem + '.md', 'w') as f:
        f.write(markdown_table(rows, args))
        f.write('\n' + complexity_md)
    plot_curves(rows, stem + '.png')


if __name__ == '__main__':
    main()
