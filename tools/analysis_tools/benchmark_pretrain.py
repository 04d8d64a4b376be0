"""Benchmark pretraining steps of our methods against MMPretrain's implementations.

Each row is one train step (forward, backward, AdamW step) of a pretraining model on the
same encoder size, batch and device; after warm-up steps the median of the timed steps
is reported, with images/s and peak memory. Every row runs in a fresh subprocess so the
peak resident memory on CPU belongs to that row alone (on CUDA the allocator's peak is
used). Ratios are against MMPretrain's MixMIM.

    python tools/analysis_tools/benchmark_pretrain.py --batch-size 8 --steps 3
    python tools/analysis_tools/benchmark_pretrain.py --rows ours_flip mmpretrain_mixmim --out r.json

Rows (``--rows``): see ``ROWS`` below. Other modules add rows by registering a builder
with :func:`register_row`.
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
ROWS: Dict[str, Callable] = {}


def register_row(name: str):
    """Register ``builder(args) -> (model, make_inputs)`` for a benchmark row."""

    def wrap(fn):
        ROWS[name] = fn
        return fn

    return wrap


def swin_arch(args) -> dict:
    from mixmim_mm.models.backbones import MixMAESwinTransformer
    return dict(MixMAESwinTransformer.arch_zoo[args.arch])


def mixmae_cfg(args, num_images, mix_mode) -> dict:
    arch = swin_arch(args)
    return dict(
        type='MixMAE', num_images=num_images, mix_mode=mix_mode,
        backbone=dict(type='MixMAESwinTransformer', arch=arch, img_size=args.img_size,
                      window_size=(14, 14, 14, 7)),
        neck=dict(type='MixMAEDecoder', in_channels=arch['embed_dims'] * 8, embed_dims=512,
                  depth=8, num_heads=16),
        head=dict(type='MixMAEHead', norm_pix=True))


def images(args):
    return lambda: (torch.randn(args.batch_size, 3, args.img_size, args.img_size), [])


@register_row('ours_flip_2img')
def build_ours_flip(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 2, 'flip')), images(args)


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


def run_row(args) -> dict:
    """Time one row in this process; returns the row as a dict."""
    import mixmim_mm  # noqa: F401  (registers our models)
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
    if device.type == 'cuda':
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    step_time = statistics.median(times)
    return dict(name=args.row, batch_size=args.batch_size, step_time_s=step_time,
                images_per_s=args.batch_size / step_time, peak_mem_mb=peak_mb,
                device=str(device), threads=torch.get_num_threads(), amp=use_amp,
                img_size=args.img_size, arch=args.arch, steps=args.steps)


def run_isolated(args, name: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), '--row', name]
    for key in ('batch_size', 'steps', 'warmup', 'img_size', 'arch', 'device', 'threads'):
        value = getattr(args, key)
        if value is not None:
            cmd += [f'--{key.replace("_", "-")}', str(value)]
    if args.amp:
        cmd.append('--amp')
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f'row {name} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_table(rows: List[dict]):
    ref = next((r for r in rows if r['name'] == REFERENCE_ROW), None)
    header = (f"{'row':<22}{'batch':>6}{'step s':>10}{'img/s':>9}{'peak MB':>10}"
              f"{'step/ref':>10}{'per-img/ref':>13}")
    print(header)
    print('-' * len(header))
    for r in rows:
        ratio = r['step_time_s'] / ref['step_time_s'] if ref else float('nan')
        per_image = (r['step_time_s'] / r['batch_size']) / (
            ref['step_time_s'] / ref['batch_size']) if ref else float('nan')
        print(f"{r['name']:<22}{r['batch_size']:>6}{r['step_time_s']:>10.3f}"
              f"{r['images_per_s']:>9.2f}{r['peak_mem_mb']:>10.0f}{ratio:>10.3f}{per_image:>13.3f}")
    if rows:
        r = rows[0]
        print(f"\ndevice={r['device']} threads={r['threads']} amp={r['amp']} "
              f"arch={r['arch']} img={r['img_size']} timed steps={r['steps']} (median)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', nargs='+', default=None,
                        help=f'rows to run (default: all of {list(ROWS)})')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--steps', type=int, default=3, help='timed steps (median reported)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--arch', default='base', help='Swin arch of every encoder')
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
    names = args.rows or list(ROWS)
    unknown = set(names) - set(ROWS)
    if unknown:
        raise SystemExit(f'unknown rows {sorted(unknown)}; choose from {list(ROWS)}')
    rows = []
    for name in names:
        print(f'running {name} ...', file=sys.stderr, flush=True)
        rows.append(run_isolated(args, name))
    print_table(rows)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
