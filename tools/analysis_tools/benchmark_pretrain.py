"""Benchmark pretraining steps of our methods against MMPretrain's implementations.

Each row is one train step (forward, backward, optimizer step) of a pretraining model on the
same encoder size, batch and device, with the optimizer of the row's config (ours: the
``optim_wrapper`` of our config, ``FastAdamW``; MMPretrain's rows: MMPretrain's config as
shipped, i.e. torch's default AdamW); after warm-up steps the median of the timed steps
is reported, with images/s, peak memory, the AdamW step alone (``opt s``: a cost per step,
which small batches do not amortise) and the forward+backward FLOPs per image of one step
counted by ``torch.utils.flop_counter`` (``GFLOP/img``; matmuls, convolutions and attention),
so that a time ratio can be read against the arithmetic (``flop/ref``). Every row runs in a
fresh subprocess. Several ``--batch-size`` values run every row at each size, every ratio
against the reference at the same size. On CUDA
the peak memory is the allocator's peak; on CPU it is the process's peak resident memory
minus its resident memory after the imports and before the model is built, i.e. what the
model, optimizer state and train steps add (``process_peak_mb`` keeps the raw peak).

Rows come in suites, each with a reference row the ratios are taken against. Each suite is
one module of ``benchmark_suites/`` (its docstring says what it compares); a new suite is a new
module there that calls ``register_suite`` and decorates its row builders with ``register_row``:

* ``mixmae`` (default): our MixMAE vs MMPretrain's MixMIM and SimMIM, Swin encoders
  (``--arch``); reference ``mmpretrain_mixmim``.
* ``fastmim``: FastMIM ViT-B/Swin-B at 128 px vs MMPretrain's MAE/MaskFeat ViT-B at 224 and
  SimMIM Swin-B at 192/224 (each row at its own size); reference ``mmpretrain_simmim_swin_224``.
  Its ``fastmim_loader_*`` pair times the ViT step at 128 px with 2-worker data loading, the
  HOG target in the model vs in the pipeline workers.
* ``mixmae-backbones``: MixMAE group(4) on PVT-L, Twins-SVT-L and ViT-B, each against a
  SimMIM-style full-image step of the same encoder (its own reference row).
* ``pixmim``: MMPretrain's MAE vs our PixMIM on MAE, ViT encoders (``--vit-arch``); reference
  ``mmpretrain_mae_vit-b``. Rows whose model has a target generator also time that generator
  alone on the same batch (forward only, median of ``max(steps, 10)`` calls) and the table
  reports it as a fraction of the reference step. Its ``pixmim_loader_*`` pair reads real
  batches from a 2-worker DataLoader (generated images, crop, flip) and times the step with the
  data loading included, with the low-pass target in the model vs in the pipeline workers.

A row's ``make_inputs()`` returns either one fixed ``(inputs, data_samples)`` batch, reused every
step, or an iterable of collated data batches (e.g. a DataLoader), from which each step takes
the next batch and runs the model's data preprocessor, inside the timed step.

    python tools/analysis_tools/benchmark_pretrain.py --batch-size 8 --steps 3
    python tools/analysis_tools/benchmark_pretrain.py --suite pixmim --batch-size 8 --steps 3
    python tools/analysis_tools/benchmark_pretrain.py --suite fastmim --batch-size 16 --steps 5
    python tools/analysis_tools/benchmark_pretrain.py --suite mixmae-backbones --batch-size 8 16 32
    python tools/analysis_tools/benchmark_pretrain.py --rows ours_flip_2img mmpretrain_mixmim \\
        --out r.json

Precision (``--precision``, one or both of ``fp32`` and ``bf16``): ``bf16`` runs the forward
pass under ``torch.autocast(dtype=torch.bfloat16)``, as ``MixedPrecisionOptimWrapper`` does on
a CPU (backward and the AdamW step outside, parameters fp32). With both, every row of ours runs
in both precisions, and MMPretrain's rows (``mmpretrain_*``) stay fp32, the reference the
``step/ref`` ratios are taken against (``--bf16-references`` also runs them in bf16). The
``vs fp32`` column is a row's step time over its own fp32 step. ``--amp`` is fp16 autocast
(CUDA only). Every JSON row has a ``precision`` field (``fp32``, ``bf16`` or ``fp16``)::

    python tools/analysis_tools/benchmark_pretrain.py --rows ours_group_4img \\
        mmpretrain_mixmim --precision fp32 bf16 --batch-size 8
    python tools/analysis_tools/benchmark_pretrain.py --suite pixmim --precision fp32 bf16

Memory allocator (``--allocator``): on a CPU, ``tools/train.py`` makes glibc keep the memory
a step frees (``mixmim_mm/engine/cpu_allocator.py``), MMPretrain's ``tools/train.py`` does
not; by default (``as-trained``) each row runs as its project's entry point would run it, ours
retaining freed memory and MMPretrain's (the rows that step with an ``mmpretrain::`` config,
e.g. ``mixedae_ref_mmpretrain_mae``) with glibc's defaults. ``--allocator retain`` or
``glibc`` runs every row alike, to tell the allocator's share of a ratio from the code's. Every
JSON row has an ``allocator`` field.

Profile (``--profile ROW``): runs ``--steps`` steps of one row under ``torch.profiler`` in this
process and prints how the step splits into GEMMs, the optimizer step, dtype casts (forward and
backward), layout copies and the rest, with the heaviest ops; ``--optimizer-impl loop`` forces
the per-parameter AdamW loop (what MMPretrain's configs run on a CPU) for a before/after
comparison::

    python tools/analysis_tools/benchmark_pretrain.py --profile ours_group_4img \\
        --precision bf16 --batch-size 8 --steps 3
"""
import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import List

import torch

# The suites live beside this script; it is also loaded by path (tests), not only run.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_suites import (  # noqa: E402,F401 (after the sys.path line; re-exported)
    DEFAULT_SUITE, ROW_REFERENCES, ROW_SUITES, ROWS, SUITE_REFERENCES, optim_config_of,
    register_row, register_suite, suite_rows)

AUTOCAST_DTYPES = {'fp32': None, 'bf16': torch.bfloat16, 'fp16': torch.float16}
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# --optimizer-impl: the AdamW flags each choice stands for ('config': as the config says).
OPTIMIZER_IMPLS = {
    'config': None,
    'loop': dict(fused=False, foreach=False),
    'foreach': dict(fused=False, foreach=True),
    'fused': dict(fused=True, foreach=False),
}
# MMPretrain's own implementations; with --precision fp32 bf16 they are the fp32 reference.
MMPRETRAIN_PREFIX = 'mmpretrain_'


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


def total_loss(losses: dict) -> torch.Tensor:
    """mmengine's rule: the entries whose name holds 'loss' are summed (several parts, e.g.
    MixedAE's; diagnostics are only logged)."""
    return sum(v for k, v in losses.items() if 'loss' in k)


def count_step_flops(model, inputs, samples, autocast=contextlib.nullcontext) -> float:
    """FLOPs of one forward and backward pass (matmuls, convolutions and attention, as
    counted by ``torch.utils.flop_counter``; 2 per multiply-add) on this batch, the forward
    under ``autocast()`` as in the timed steps."""
    from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count
    aten = torch.ops.aten

    # The CPU kernels of scaled_dot_product_attention are not in torch's table.
    def cpu_attention(query, key, value, *args, out_shape=None, **kwargs):
        return sdpa_flop_count(query, key, value)

    def cpu_attention_backward(grad_out, query, key, value, *args, out_shape=None, **kwargs):
        return sdpa_backward_flop_count(grad_out, query, key, value)

    counter = FlopCounterMode(
        display=False,
        custom_mapping={
            aten._scaled_dot_product_flash_attention_for_cpu: cpu_attention,
            aten._scaled_dot_product_flash_attention_for_cpu_backward: cpu_attention_backward
        })
    with counter:
        with autocast():
            loss = total_loss(model.loss(inputs, samples))
        loss.backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def batch_source(model, made, device):
    """``next_batch() -> (inputs, data_samples)`` on ``device`` from what ``make_inputs`` made.

    A ``(inputs, data_samples)`` tuple is one fixed batch; anything else is an iterable of
    collated data batches, each taken through ``model.data_preprocessor`` when it is drawn.
    """
    if isinstance(made, tuple):
        inputs, samples = made
        inputs, samples = inputs.to(device), [s.to(device) for s in samples]
        return lambda: (inputs, samples)
    batches = iter(made)

    def next_batch():
        data = model.data_preprocessor(next(batches), training=True)
        return data['inputs'], data['data_samples']

    return next_batch


def build_row_optimizer(model, row: str, impl: str = 'config') -> torch.optim.Optimizer:
    """The optimizer row ``row`` trains with: the ``optimizer``, ``paramwise_cfg`` and
    ``constructor`` of its config's ``optim_wrapper`` (ours: ``FastAdamW``; MMPretrain's rows:
    MMPretrain's config as shipped). ``impl`` other than ``'config'`` forces an AdamW
    implementation (for profiles)."""
    from mmengine.config import Config
    from mmengine.hub import get_config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    path = optim_config_of(row)
    cfg = get_config(path) if '::' in path else Config.fromfile(os.path.join(REPO_ROOT, path))
    wrapper = dict(type='OptimWrapper', optimizer=dict(cfg.optim_wrapper.optimizer))
    for key in ('paramwise_cfg', 'constructor'):
        if cfg.optim_wrapper.get(key) is not None:
            wrapper[key] = cfg.optim_wrapper[key]
    if OPTIMIZER_IMPLS[impl] is not None:
        wrapper['optimizer'].update(OPTIMIZER_IMPLS[impl])
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return build_optim_wrapper(model, wrapper).optimizer


def optimizer_name(optimizer) -> str:
    """e.g. ``'FastAdamW (fused)'``, ``'AdamW (loop)'``."""
    group = optimizer.param_groups[0]
    if group.get('fused') is None and group.get('foreach') is None:
        # torch's own default: foreach on CUDA tensors, the per-parameter loop on a CPU.
        impl = 'foreach' if group['params'][0].is_cuda else 'loop'
    else:
        impl = 'fused' if group.get('fused') else 'foreach' if group.get('foreach') else 'loop'
    return f'{type(optimizer).__name__} ({impl})'


def set_row_allocator(args) -> str:
    """Apply ``--allocator`` to this row's process (before anything is built); returns what
    the row ran with (``'retain freed memory'`` or ``'glibc default'``, or why the setting
    could not be made)."""
    from mixmim_mm.engine.cpu_allocator import retain_freed_memory

    # A row that steps with MMPretrain's config as shipped stands for MMPretrain's users.
    retain = (
        args.allocator == 'retain' or args.allocator == 'as-trained'
        and not optim_config_of(args.row).startswith('mmpretrain::'))
    if not retain or args.device != 'cpu':
        return 'glibc default'
    return retain_freed_memory()


def resident_mb() -> float:
    """Current resident memory of this process (Linux), in MiB."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


class RowSetup:
    """A row built for timing: model, optimizer and one train ``step()`` on ``device``."""

    def __init__(self, args):
        from mmengine.logging import MMLogger

        # Initialisation and optimizer-group logs would bury the row's output.
        MMLogger.get_current_instance().setLevel('WARNING')
        device = torch.device(args.device)
        torch.manual_seed(0)
        model, make_inputs = ROWS[args.row](args)
        model.init_weights()
        model.to(device).train()
        self.model, self.device = model, device
        self.optimizer = build_row_optimizer(model, args.row, args.optimizer_impl)
        self.next_batch = batch_source(model, make_inputs(), device)
        self.use_amp = args.amp and device.type == 'cuda'
        self.precision = 'fp16' if self.use_amp else args.precision[0]
        self.sizes = []  # rows may build inputs at their own size (e.g. FastMIM at 128)
        self.optimizer_times = []  # the AdamW step alone: a cost per step, not per image

    def autocast(self):
        dtype = AUTOCAST_DTYPES[self.precision]
        return torch.autocast(
            self.device.type, enabled=dtype is not None, dtype=dtype or torch.float32)

    def synchronize(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize()

    def step(self):
        inputs, samples = self.next_batch()
        self.sizes.append(inputs.shape[-1])
        self.optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            loss = total_loss(self.model.loss(inputs, samples))
        loss.backward()
        self.synchronize()
        start = time.perf_counter()
        self.optimizer.step()
        self.synchronize()
        self.optimizer_times.append(time.perf_counter() - start)


def run_row(args) -> dict:
    """Time one row in this process; returns the row as a dict."""
    # Registers our models and imports MMPretrain's (and mmdet's, mmseg's) before the
    # memory baseline.
    import mixmim_mm  # noqa: F401
    allocator = set_row_allocator(args)
    baseline_mb = resident_mb()
    setup = RowSetup(args)
    model, device, optimizer = setup.model, setup.device, setup.optimizer
    next_batch, step, autocast = setup.next_batch, setup.step, setup.autocast
    sizes, optimizer_times = setup.sizes, setup.optimizer_times
    use_amp, precision = setup.use_amp, setup.precision

    # Counted once, untimed, on the same path as the timed steps.
    flops = count_step_flops(model, *next_batch(), autocast=autocast)
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
    optimizer_time = statistics.median(optimizer_times[args.warmup:])
    row = dict(
        name=args.row,
        suite=ROW_SUITES[args.row],
        batch_size=args.batch_size,
        step_time_s=step_time,
        images_per_s=args.batch_size / step_time,
        optimizer_time_s=optimizer_time,
        optimizer=optimizer_name(optimizer),
        train_gflops_per_image=flops / args.batch_size / 1e9,
        peak_mem_mb=peak_mb,
        process_peak_mb=process_peak_mb,
        device=str(device),
        threads=torch.get_num_threads(),
        amp=use_amp,
        precision=precision,
        allocator=allocator,
        img_size=sizes[-1],
        arch=args.arch,
        vit_arch=args.vit_arch,
        steps=args.steps)
    if hasattr(model, 'benchmark_encoder_gflops'):  # set by row builders that count FLOPs
        row['encoder_gflops'] = model.benchmark_encoder_gflops
    # A target read from the data samples was computed in the loader: nothing to time here.
    if getattr(model, 'with_target_generator',
               False) and not getattr(model, 'target_from_pipeline', False):
        row['target_generator_s'] = time_target_generator(model,
                                                          next_batch()[0], max(args.steps, 10),
                                                          device)
    return row


# --profile: how the step's time splits. Ops are matched by name on their self time; the
# optimizer is everything inside torch's ``Optimizer.step#...`` record (whatever it calls).
# A copy is a dtype cast when it runs inside ``_to_copy`` (autocast's casts and their
# backward), a layout copy otherwise (``contiguous``, ``reshape``, ``clone``).
PROFILE_GEMM_OPS = ('aten::mm', 'aten::addmm', 'aten::bmm', 'aten::baddbmm', 'aten::convolution',
                    'aten::mkldnn_convolution', 'aten::_convolution', 'aten::convolution_backward',
                    'aten::_scaled_dot_product')
PROFILE_COPY_OPS = ('aten::copy_', 'aten::_to_copy', 'aten::to')
PROFILE_CATEGORIES = ('GEMMs (mm, addmm, bmm, convolution, SDPA)', 'optimizer step',
                      'dtype casts in forward (e.g. fp32 weights to bf16)',
                      'dtype casts in backward (e.g. bf16 gradients to fp32)',
                      'layout copies (contiguous, reshape, clone)', 'other')


def profile_category(event) -> int:
    """Index into ``PROFILE_CATEGORIES`` of one profiler event (by its self time)."""
    callers = []
    parent = event
    while parent is not None:
        if parent.name.startswith('Optimizer.step#'):
            return 1
        callers.append(parent.name)
        parent = parent.cpu_parent
    if event.name.startswith(PROFILE_GEMM_OPS):
        return 0
    if event.name not in PROFILE_COPY_OPS:
        return 5
    if event.name != 'aten::to' and 'aten::_to_copy' not in callers:
        return 4
    # The autograd engine runs every backward function under a record of its own name.
    in_backward = any(name.startswith('autograd::engine::') for name in callers)
    return 3 if in_backward else 2


def profile_row(args) -> str:
    """Profile ``args.steps`` train steps of row ``args.profile`` (after the warm-up) and
    return a Markdown table of where the step's time goes, with the heaviest ops."""
    from torch.profiler import ProfilerActivity, profile

    import mixmim_mm  # noqa: F401
    args.row = args.profile
    allocator = set_row_allocator(args)
    setup = RowSetup(args)
    for _ in range(args.warmup):
        setup.step()
    activities = [ProfilerActivity.CPU]
    if setup.device.type == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    start = time.perf_counter()
    with profile(activities=activities) as prof:
        for _ in range(args.steps):
            setup.step()
        setup.synchronize()
    step_s = (time.perf_counter() - start) / args.steps
    events = [e for e in prof.events() if e.device_type.name == 'CPU']
    spent = [0.] * len(PROFILE_CATEGORIES)
    calls = [0] * len(PROFILE_CATEGORIES)
    per_op = {}
    for event in events:
        category = profile_category(event)
        spent[category] += event.self_cpu_time_total
        calls[category] += 1
        op = per_op.setdefault(event.name, [0., 0])
        op[0] += event.self_cpu_time_total
        op[1] += 1
    total = sum(spent)
    lines = [
        f'profile of {args.row} ({setup.precision}, batch {args.batch_size}, '
        f'{optimizer_name(setup.optimizer)}, {allocator}): {args.steps} steps, {step_s:.3f} s '
        f'per step under the profiler, {torch.get_num_threads()} threads', '',
        '| what | ms per step | share | op calls per step |', '|---|---|---|---|'
    ]
    for name, us, n in zip(PROFILE_CATEGORIES, spent, calls):
        lines.append(f'| {name} | {us / 1e3 / args.steps:.1f} | {100 * us / total:.0f}% | '
                     f'{n / args.steps:.0f} |')
    lines += [
        '', '| heaviest ops (self time) | ms per step | share | calls per step |',
        '|---|---|---|---|'
    ]
    for name, (us, n) in sorted(per_op.items(), key=lambda item: -item[1][0])[:12]:
        lines.append(f'| `{name}` | {us / 1e3 / args.steps:.1f} | {100 * us / total:.1f}% | '
                     f'{n / args.steps:.0f} |')
    return '\n'.join(lines)


def run_isolated(args, name: str, precision: str = 'fp32') -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), '--row', name, '--precision', precision]
    for key in ('batch_size', 'steps', 'warmup', 'img_size', 'arch', 'vit_arch', 'device',
                'threads', 'optimizer_impl', 'allocator'):
        value = getattr(args, key)
        if value is not None:
            cmd += [f'--{key.replace("_", "-")}', str(value)]
    if args.amp:
        cmd.append('--amp')
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f'row {name} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reference_name(row: dict) -> str:
    """The name of the row ``row``'s ratios are taken against."""
    return ROW_REFERENCES.get(row['name'], SUITE_REFERENCES[row.get('suite', DEFAULT_SUITE)])


def reference_of(row: dict, rows: List[dict]):
    """The row of ``rows`` that ``row``'s ratios are taken against (None if not run): its
    reference row at the same batch size, in fp32 where that ran in fp32."""
    candidates = [
        r for r in rows if r['name'] == reference_name(row) and r['batch_size'] == row['batch_size']
    ]
    return next((r for r in candidates if r.get('precision', 'fp32') == 'fp32'),
                candidates[0] if candidates else None)


def fp32_twin_of(row: dict, rows: List[dict]):
    """The fp32 run of the same row at the same batch size (None if not run)."""
    return next((r
                 for r in rows if r['name'] == row['name'] and r['batch_size'] == row['batch_size']
                 and r.get('precision', 'fp32') == 'fp32'), None)


def row_runs(names: List[str], args) -> List[tuple]:
    """``(row, precision)`` pairs to run: ours in every asked precision, MMPretrain's rows in
    fp32 only (the reference) unless ``--bf16-references``."""
    runs = []
    for name in names:
        for precision in args.precision:
            if (precision != 'fp32' and name.startswith(MMPRETRAIN_PREFIX)
                    and not args.bf16_references and 'fp32' in args.precision):
                continue
            runs.append((name, precision))
    return runs


def print_table(rows: List[dict]):
    header = (f"{'row':<30}{'prec':>6}{'img':>5}{'batch':>6}{'step s':>10}{'opt s':>8}"
              f"{'img/s':>9}{'peak MB':>10}{'step/ref':>10}{'per-img/ref':>13}{'vs fp32':>9}"
              f"{'GFLOP/img':>11}{'flop/ref':>10}{'enc GFLOPs':>12}")
    print(header)
    print('-' * len(header))
    nan = float('nan')
    for r in rows:
        ref = reference_of(r, rows)
        ratio = r['step_time_s'] / ref['step_time_s'] if ref else nan
        per_image = (r['step_time_s'] / r['batch_size']) / (ref['step_time_s'] /
                                                            ref['batch_size']) if ref else nan
        twin = fp32_twin_of(r, rows)
        vs_fp32 = r['step_time_s'] / twin['step_time_s'] if twin else nan
        flops = r.get('train_gflops_per_image', nan)
        flop_ratio = flops / ref.get('train_gflops_per_image', nan) if ref else nan
        print(f"{r['name']:<30}{r.get('precision', 'fp32'):>6}{r['img_size']:>5}"
              f"{r['batch_size']:>6}{r['step_time_s']:>10.3f}"
              f"{r.get('optimizer_time_s', nan):>8.3f}{r['images_per_s']:>9.2f}"
              f"{r['peak_mem_mb']:>10.0f}{ratio:>10.3f}{per_image:>13.3f}{vs_fp32:>9.3f}"
              f"{flops:>11.2f}{flop_ratio:>10.3f}{r.get('encoder_gflops', nan):>12.2f}")
    suites = sorted({r.get('suite', DEFAULT_SUITE) for r in rows})
    if suites:
        refs = {
            s: sorted({reference_name(r)
                       for r in rows if r.get('suite', DEFAULT_SUITE) == s})
            for s in suites
        }
        print('\nref: ' + ', '.join(f"{s} rows vs {' / '.join(refs[s])}" for s in suites) +
              ' at the same batch size; vs fp32: step time over the same row in fp32; '
              'opt s: the AdamW step alone (in step s); GFLOP/img: forward+backward FLOPs '
              'per image (matmuls, convolutions, attention); flop/ref: per image, over '
              "the reference's")
    for label, key in (('optimizers', 'optimizer'), ('allocator', 'allocator')):
        groups = {}
        for r in rows:
            groups.setdefault(r.get(key, 'unknown'), []).append(r['name'])
        print(f'{label}: ' + '; '.join(f"{value}: {', '.join(dict.fromkeys(names))}"
                                       for value, names in groups.items()))
    for r in rows:
        if 'target_generator_s' not in r:
            continue
        ref = reference_of(r, rows)
        line = (f"{r['name']} ({r.get('precision', 'fp32')}): target generator alone "
                f"{r['target_generator_s'] * 1e3:.1f} ms "
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
    parser.add_argument(
        '--suite',
        choices=[*SUITE_REFERENCES, 'all'],
        default=DEFAULT_SUITE,
        help='set of rows to run when --rows is not given: ' + '; '.join(f'{s}: {suite_rows(s)}'
                                                                         for s in SUITE_REFERENCES))
    parser.add_argument(
        '--rows',
        nargs='+',
        default=None,
        help=f'rows to run, overriding --suite; any of {list(ROWS)}')
    parser.add_argument(
        '--batch-size',
        type=int,
        nargs='+',
        default=[8],
        help='batch size; with several, every row runs at each and its '
        'ratios are taken against the reference at the same size')
    parser.add_argument('--steps', type=int, default=5, help='timed steps (median reported)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument(
        '--repeats',
        type=int,
        default=1,
        help='run every row this many times, round-robin; report medians')
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--arch', default='base', help='Swin arch of the mixmae rows')
    parser.add_argument(
        '--vit-arch',
        default='b',
        help="MAEViT arch of the pixmim rows (patch 16; default 'b' = ViT-B)")
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--amp', action='store_true', help='fp16 autocast (CUDA only)')
    parser.add_argument(
        '--precision',
        nargs='+',
        choices=['fp32', 'bf16'],
        default=['fp32'],
        help='run the rows in these precisions (bf16: bf16 autocast); with '
        "both, MMPretrain's rows run in fp32 only (see --bf16-references)")
    parser.add_argument(
        '--bf16-references',
        action='store_true',
        help="also run MMPretrain's rows in bf16 when fp32 is asked too")
    parser.add_argument(
        '--optimizer-impl',
        choices=list(OPTIMIZER_IMPLS),
        default='config',
        help="AdamW implementation: as each row's config says (default), or forced to the "
        'per-parameter loop, foreach or fused kernels (e.g. for a before/after profile)')
    parser.add_argument(
        '--allocator',
        choices=['as-trained', 'retain', 'glibc'],
        default='as-trained',
        help="CPU memory allocator settings: each row's project's (as-trained: ours keep "
        "freed memory as tools/train.py does, MMPretrain's rows glibc's defaults), or the "
        'same for every row')
    parser.add_argument(
        '--profile',
        metavar='ROW',
        help='profile --steps train steps of ROW (in --precision, the first given) in this '
        'process and print where the step goes: GEMMs, optimizer step, casts, copies, other')
    parser.add_argument('--out', help='write the rows as a JSON list to this file')
    parser.add_argument('--row', help=argparse.SUPPRESS)  # internal: run one row here
    args = parser.parse_args(argv)
    # Row builders see one batch size; main() runs each of ``batch_sizes`` in turn.
    args.batch_sizes, args.batch_size = args.batch_size, args.batch_size[0]
    if args.row and len(args.batch_sizes) > 1:
        parser.error('--row runs one batch size')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.row:
        print(json.dumps(run_row(args)))
        return
    if args.profile:
        if args.profile not in ROWS:
            raise SystemExit(f'unknown row {args.profile!r}; choose from {list(ROWS)}')
        print(profile_row(args))
        return
    names = args.rows or suite_rows(args.suite)
    unknown = set(names) - set(ROWS)
    if unknown:
        raise SystemExit(f'unknown rows {sorted(unknown)}; choose from {list(ROWS)}')
    bad = [b for b in args.batch_sizes if b % 4]
    if 'ours_group_4img' in names and bad:
        raise SystemExit(f'--batch-size {bad[0]}: ours_group_4img mixes groups of 4 '
                         'images, so the batch size must be a multiple of 4')
    rows = []
    runs = {
        (name, precision, batch): []
        for batch in args.batch_sizes
        for name, precision in row_runs(names, args)
    }
    # Round-robin repeats spread slow drifts of the machine over every row alike.
    for repeat in range(args.repeats):
        for name, precision, batch in runs:
            print(
                f'running {name} {precision} batch {batch} ({repeat + 1}/{args.repeats}) ...',
                file=sys.stderr,
                flush=True)
            runs[name, precision, batch].append(
                run_isolated(
                    argparse.Namespace(**{
                        **vars(args), 'batch_size': batch
                    }), name, precision))
    for results in runs.values():
        row = dict(results[0])
        times = [r['step_time_s'] for r in results]
        row.update(
            step_time_s=statistics.median(times),
            step_time_runs_s=times,
            peak_mem_mb=max(r['peak_mem_mb'] for r in results))
        for key in ('target_generator_s', 'optimizer_time_s'):
            if key in row:
                row[key] = statistics.median(r[key] for r in results)
        row['images_per_s'] = row['batch_size'] / row['step_time_s']
        rows.append(row)
    print_table(rows)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
