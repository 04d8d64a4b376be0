"""Benchmark pretraining steps of our methods against MMPretrain's implementations.

Each row is one train step (forward, backward, AdamW step) of a pretraining model on the
same encoder size, batch and device; after warm-up steps the median of the timed steps
is reported, with images/s and peak memory. Every row runs in a fresh subprocess. On CUDA
the peak memory is the allocator's peak; on CPU it is the process's peak resident memory
minus its resident memory after the imports and before the model is built, i.e. what the
model, optimizer state and train steps add (``process_peak_mb`` keeps the raw peak).

Rows come in suites, each with a reference row the ratios are taken against:

* ``mixmae`` (default): our MixMAE vs MMPretrain's MixMIM and SimMIM, Swin encoders
  (``--arch``); reference ``mmpretrain_mixmim``. ``ours_flip_2img_sdpa`` is ``ours_flip_2img``
  with ``attn_impl='sdpa'`` (SDPA also for CPU training, see ``WindowAttention``).
* ``pixmim``: MMPretrain's MAE vs our PixMIM on MAE, ViT encoders (``--vit-arch``, ViT-B/16 by
  default), mask ratio 0.75, ``norm_pix``; reference ``mmpretrain_mae_vit-b``. Rows whose
  model has a target generator also time that generator alone on the same batch (forward
  only, median of ``max(steps, 10)`` calls) and the table reports it as a fraction of the
  reference step.

    python tools/analysis_tools/benchmark_pretrain.py --batch-size 8 --steps 3
    python tools/analysis_tools/benchmark_pretrain.py --suite pixmim --batch-size 8 --steps 3
    python tools/analysis_tools/benchmark_pretrain.py --rows ours_flip_2img mmpretrain_mixmim \\
        --out r.json

Rows (``--rows``, which overrides ``--suite``): see ``ROWS`` below. Other modules add rows by
registering a builder with :func:`register_row`.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List

import torch

REFERENCE_ROW = 'mmpretrain_mixmim'
MAE_REFERENCE_ROW = 'mmpretrain_mae_vit-b'
# Suite -> the row its ratios are taken against.
SUITE_REFERENCES = {'mixmae': REFERENCE_ROW, 'pixmim': MAE_REFERENCE_ROW}
DEFAULT_SUITE = 'mixmae'
ROWS: Dict[str, Callable] = {}
ROW_SUITES: Dict[str, str] = {}


def register_row(name: str, suite: str = DEFAULT_SUITE):
    """Register ``builder(args) -> (model, make_inputs)`` for a benchmark row of ``suite``."""
    if suite not in SUITE_REFERENCES:
        raise ValueError(f'unknown suite {suite!r}; choose from {list(SUITE_REFERENCES)}')

    def wrap(fn):
        ROWS[name] = fn
        ROW_SUITES[name] = suite
        return fn

    return wrap


def suite_rows(suite: str) -> List[str]:
    """Names of the rows of ``suite`` (``'all'``: every row), in registration order."""
    return [name for name in ROWS if suite == 'all' or ROW_SUITES[name] == suite]


def swin_arch(args) -> dict:
    from mixmim_mm.models.backbones import MixMAESwinTransformer
    return dict(MixMAESwinTransformer.arch_zoo[args.arch])


def mixmae_cfg(args, num_images, mix_mode, attn_impl='auto') -> dict:
    arch = swin_arch(args)
    return dict(
        type='MixMAE', num_images=num_images, mix_mode=mix_mode,
        backbone=dict(type='MixMAESwinTransformer', arch=arch, img_size=args.img_size,
                      window_size=(14, 14, 14, 7), attn_impl=attn_impl),
        neck=dict(type='MixMAEDecoder', in_channels=arch['embed_dims'] * 8, embed_dims=512,
                  depth=8, num_heads=16),
        head=dict(type='MixMAEHead', norm_pix=True))


def images(args):
    return lambda: (torch.randn(args.batch_size, 3, args.img_size, args.img_size), [])


@register_row('ours_flip_2img')
def build_ours_flip(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 2, 'flip')), images(args)


@register_row('ours_flip_2img_sdpa')
def build_ours_flip_sdpa(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 2, 'flip', attn_impl='sdpa')), images(args)


@register_row('ours_group_4img')
def build_ours_group(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 4, 'group')), images(args)


@register_row(REFERENCE_ROW)
def build_mmpretrain_mixmim(args):
    from mmpretrain.registry import MODELS
    arch = swin_arch(args)
    grid = (args.img_size // 32)**2
    model = MODELS.build(dict(
        type='MixMIM',
        backbone=dict(type='MixMIMPretrainTransformer', arch=arch, img_size=args.img_size,
                      window_size=[14, 14, 14, 7], mask_ratio=0.5),
        neck=dict(type='MixMIMPretrainDecoder', num_patches=grid, encoder_stride=32,
                  embed_dim=arch['embed_dims'] * 8, decoder_embed_dim=512, decoder_depth=8,
                  decoder_num_heads=16),
        head=dict(type='MixMIMPretrainHead', norm_pix=True,
                  loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    return model, images(args)


@register_row('mmpretrain_simmim')
def build_mmpretrain_simmim(args):
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    arch = swin_arch(args)
    windows = [14, 14, 14, 7]
    model = MODELS.build(dict(
        type='SimMIM',
        backbone=dict(type='SimMIMSwinTransformer', arch=arch, img_size=args.img_size,
                      stage_cfgs=[dict(block_cfgs=dict(window_size=w)) for w in windows]),
        neck=dict(type='SimMIMLinearDecoder', in_channels=arch['embed_dims'] * 8,
                  encoder_stride=32),
        head=dict(type='SimMIMHead', patch_size=4,
                  loss=dict(type='PixelReconstructionLoss', criterion='L1', channel=3))))
    side = args.img_size // 4

    def make_inputs():
        samples = []
        for _ in range(args.batch_size):
            # SimMIM's 60% masking on 32-px cells, at the stride-4 token grid.
            cells = (torch.rand(args.img_size // 32, args.img_size // 32) < 0.6).float()
            sample = DataSample()
            sample.set_mask(cells.repeat_interleave(8, 0).repeat_interleave(8, 1)[:side, :side])
            samples.append(sample)
        return torch.randn(args.batch_size, 3, args.img_size, args.img_size), samples

    return model, make_inputs


def mae_cfg(args, algorithm: str) -> dict:
    """MMPretrain's MAE ViT recipe (mask 0.75, 8-block 512-d decoder, norm_pix L2)."""
    from mmpretrain.models.selfsup.mae import MAEViT
    arch = MAEViT.arch_zoo[args.vit_arch]
    patch = 16
    return dict(
        type=algorithm,
        # Normalising preprocessor, so the low-pass target also pays for its
        # de-normalise / re-normalise round trip, as in the real configs.
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], to_rgb=True),
        backbone=dict(type='MAEViT', arch=args.vit_arch, img_size=args.img_size,
                      patch_size=patch, mask_ratio=0.75),
        neck=dict(type='MAEPretrainDecoder', num_patches=(args.img_size // patch)**2,
                  patch_size=patch, in_chans=3, embed_dim=arch['embed_dims'],
                  decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16, mlp_ratio=4.),
        head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=patch,
                  loss=dict(type='PixelReconstructionLoss', criterion='L2')))


@register_row(MAE_REFERENCE_ROW, suite='pixmim')
def build_mmpretrain_mae(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mae_cfg(args, 'MAE')), images(args)


@register_row('pixmim_mae_vit-b', suite='pixmim')
def build_pixmim_mae(args):
    from mmpretrain.registry import MODELS
    cfg = mae_cfg(args, 'PixMIM')
    cfg['target_generator'] = dict(type='LowPassTargetGenerator', radius=40)
    return MODELS.build(cfg), images(args)


def time_target_generator(model, inputs, reps: int, device) -> float:
    """Median seconds of one ``model.target_generator(inputs)`` call (forward only)."""
    for _ in range(2):
        model.target_generator(inputs)
    times = []
    for _ in range(reps):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.target_generator(inputs)
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def resident_mb() -> float:
    """Current resident memory of this process (Linux), in MiB."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def run_row(args) -> dict:
    """Time one row in this process; returns the row as a dict."""
    # Registers our models and imports MMPretrain's (and mmdet's, mmseg's) before the
    # memory baseline.
    import mixmim_mm  # noqa: F401
    baseline_mb = resident_mb()
    torch.manual_seed(0)
    device = torch.device(args.device)
    model, make_inputs = ROWS[args.row](args)
    model.init_weights()
    model.to(device).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    inputs, samples = make_inputs()
    inputs = inputs.to(device)
    samples = [s.to(device) for s in samples]
    use_amp = args.amp and device.type == 'cuda'

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, enabled=use_amp, dtype=torch.float16):
            loss = model.loss(inputs, samples)['loss']
        loss.backward()
        optimizer.step()
        if device.type == 'cuda':
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    process_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if device.type == 'cuda':
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = process_peak_mb - baseline_mb
    step_time = statistics.median(times)
    row = dict(name=args.row, suite=ROW_SUITES[args.row], batch_size=args.batch_size,
               step_time_s=step_time, images_per_s=args.batch_size / step_time,
               peak_mem_mb=peak_mb, process_peak_mb=process_peak_mb,
               device=str(device), threads=torch.get_num_threads(),
               amp=use_amp, img_size=args.img_size, arch=args.arch, vit_arch=args.vit_arch,
               steps=args.steps)
    if getattr(model, 'with_target_generator', False):
        row['target_generator_s'] = time_target_generator(model, inputs, max(args.steps, 10),
                                                          device)
    return row


def run_isolated(args, name: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), '--row', name]
    for key in ('batch_size', 'steps', 'warmup', 'img_size', 'arch', 'vit_arch', 'device',
                'threads'):
        value = getattr(args, key)
        if value is not None:
            cmd += [f'--{key.replace("_", "-")}', str(value)]
    if args.amp:
        cmd.append('--amp')
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f'row {name} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reference_of(row: dict, rows: List[dict]):
    """The row of ``rows`` that ``row``'s ratios are taken against (None if not run)."""
    name = SUITE_REFERENCES[row.get('suite', DEFAULT_SUITE)]
    return next((r for r in rows if r['name'] == name), None)


def print_table(rows: List[dict]):
    header = (f"{'row':<22}{'batch':>6}{'step s':>10}{'img/s':>9}{'peak MB':>10}"
              f"{'step/ref':>10}{'per-img/ref':>13}")
    print(header)
    print('-' * len(header))
    for r in rows:
        ref = reference_of(r, rows)
        ratio = r['step_time_s'] / ref['step_time_s'] if ref else float('nan')
        per_image = (r['step_time_s'] / r['batch_size']) / (
            ref['step_time_s'] / ref['batch_size']) if ref else float('nan')
        print(f"{r['name']:<22}{r['batch_size']:>6}{r['step_time_s']:>10.3f}"
              f"{r['images_per_s']:>9.2f}{r['peak_mem_mb']:>10.0f}{ratio:>10.3f}{per_image:>13.3f}")
    suites = sorted({r.get('suite', DEFAULT_SUITE) for r in rows})
    if suites:
        print('\nref: ' + ', '.join(f'{s} rows vs {SUITE_REFERENCES[s]}' for s in suites))
    for r in rows:
        if 'target_generator_s' not in r:
            continue
        ref = reference_of(r, rows)
        line = (f"{r['name']}: target generator alone {r['target_generator_s'] * 1e3:.1f} ms "
                f"= {100 * r['target_generator_s'] / r['step_time_s']:.2f}% of its own step")
        if ref:
            line += (f", {100 * r['target_generator_s'] / ref['step_time_s']:.2f}% of the "
                     f"{ref['name']} step")
        print(line)
    if rows:
        r = rows[0]
        print(f"device={r['device']} threads={r['threads']} amp={r['amp']} "
              f"swin arch={r['arch']} vit arch={r.get('vit_arch')} img={r['img_size']} "
              f"timed steps={r['steps']} (median)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--suite', choices=[*SUITE_REFERENCES, 'all'], default=DEFAULT_SUITE,
                        help='set of rows to run when --rows is not given: '
                        + '; '.join(f'{s}: {suite_rows(s)}' for s in SUITE_REFERENCES))
    parser.add_argument('--rows', nargs='+', default=None,
                        help=f'rows to run, overriding --suite; any of {list(ROWS)}')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--steps', type=int, default=5, help='timed steps (median reported)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=1,
                        help='run every row this many times, round-robin; report medians')
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--arch', default='base', help='Swin arch of the mixmae rows')
    parser.add_argument('--vit-arch', default='b',
                        help="MAEViT arch of the pixmim rows (patch 16; default 'b' = ViT-B)")
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--amp', action='store_true', help='fp16 autocast (CUDA only)')
    parser.add_argument('--out', help='write the rows as a JSON list to this file')
    parser.add_argument('--row', help=argparse.SUPPRESS)  # internal: run one row here
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.row:
        print(json.dumps(run_row(args)))
        return
    names = args.rows or suite_rows(args.suite)
    unknown = set(names) - set(ROWS)
    if unknown:
        raise SystemExit(f'unknown rows {sorted(unknown)}; choose from {list(ROWS)}')
    if 'ours_group_4img' in names and args.batch_size % 4:
        raise SystemExit(f'--batch-size {args.batch_size}: ours_group_4img mixes groups of 4 '
                         'images, so the batch size must be a multiple of 4')
    rows = []
    runs = {name: [] for name in names}
    # Round-robin repeats spread slow drifts of the machine over every row alike.
    for repeat in range(args.repeats):
        for name in names:
            print(f'running {name} ({repeat + 1}/{args.repeats}) ...', file=sys.stderr, flush=True)
            runs[name].append(run_isolated(args, name))
    for name in names:
        row = dict(runs[name][0])
        times = [r['step_time_s'] for r in runs[name]]
        row.update(step_time_s=statistics.median(times), step_time_runs_s=times,
                   peak_mem_mb=max(r['peak_mem_mb'] for r in runs[name]))
        if 'target_generator_s' in row:
            row['target_generator_s'] = statistics.median(
                r['target_generator_s'] for r in runs[name])
        row['images_per_s'] = row['batch_size'] / row['step_time_s']
        rows.append(row)
    print_table(rows)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
