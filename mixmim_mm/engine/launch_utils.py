"""Config adjustments that ``tools/train.py`` and ``tools/test.py`` apply before building a Runner.

They let the same config run on a GPU cluster and on a CPU-only machine (a laptop, CI):

* :func:`use_atomic_checkpoints` - crash-safe checkpoints unless the config chose a backend.
* :func:`setup_cpu_distributed` - ``dist_train.sh CONFIG 2`` without CUDA: gloo instead of
  nccl, and a process group that mmengine would otherwise fail to create.
* :func:`select_precision` - mmengine's ``AmpOptimWrapper`` refuses to run without a
  GPU/NPU/MLU/MUSA, so AMP configs (and ``--amp``) get ``MixedPrecisionOptimWrapper``
  there, which trains with bf16 autocast where the CPU supports it; ``--fp32`` forces fp32.
* :func:`retain_cpu_memory` - training on a CPU: glibc keeps the memory a step frees for the
  next step instead of returning it to the kernel (see ``cpu_allocator.py``).
* :func:`shutdown_distributed` - after the run, close the process group on every rank.
* :func:`prepare_train_config` - the first four, in the order ``tools/train.py`` applies them.

Each change is logged.
"""
import datetime
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from .cpu_allocator import MMAP_THRESHOLD, RETAINED, TRIM_THRESHOLD, retain_freed_memory

_PLAIN_CHECKPOINT_HOOK = ('CheckpointHook', 'mmengine.CheckpointHook', CheckpointHook)
_DDP_WRAPPERS = ('MMDistributedDataParallel', 'mmengine.MMDistributedDataParallel')


def _log(msg: str, level: str = 'INFO') -> None:
    # Before the process group exists every rank would print; keep rank 0 only.
    if int(os.environ.get('RANK', '0')) == 0:
        import logging
        print_log(f'[mixmim_mm] {msg}', logger='current', level=getattr(logging, level))


def use_atomic_checkpoints(cfg: Config) -> None:
    """Make the checkpoint hook write crash-safe checkpoints when the config allows it.

    If ``default_hooks.checkpoint`` sets neither ``backend_args`` nor ``file_client_args``,
    it gets ``backend_args=dict(backend='atomic_local')``. If its type is mmengine's plain
    ``CheckpointHook``, it becomes ``AtomicCheckpointHook`` (same arguments), which also
    replaces ``last_checkpoint`` atomically and deletes old checkpoints only after saving.

    Args:
        cfg (Config): The full config; changed in place.
    """
    ckpt_cfg = cfg.get('default_hooks', {}).get('checkpoint')
    if not ckpt_cfg:
        return
    if ckpt_cfg.get('backend_args') is None and ckpt_cfg.get('file_client_args') is None:
        ckpt_cfg['backend_args'] = dict(backend='atomic_local')
        _log("checkpoint hook: no backend set, using backend_args=dict(backend='atomic_local')")
    if ckpt_cfg.get('type') in _PLAIN_CHECKPOINT_HOOK:
        ckpt_cfg['type'] = 'AtomicCheckpointHook'
        _log('checkpoint hook: CheckpointHook -> AtomicCheckpointHook (crash-safe '
             'last_checkpoint and rotation)')


_AMP_WRAPPERS = ('AmpOptimWrapper', 'mmengine.AmpOptimWrapper')
_MIXED_PRECISION_WRAPPERS = _AMP_WRAPPERS + ('MixedPrecisionOptimWrapper',
                                             'mmengine.MixedPrecisionOptimWrapper')


def select_precision(cfg: Config, force_fp32: bool = False) -> None:
    """Choose the optim wrapper that gives the config's precision on this machine.

    * ``force_fp32``: any mixed-precision wrapper becomes ``OptimWrapper`` (fp32 everywhere).
    * No GPU/NPU/MLU/MUSA: ``AmpOptimWrapper`` becomes ``MixedPrecisionOptimWrapper`` (same
      arguments), which trains with bf16 autocast where the CPU supports it and in fp32
      otherwise, and logs which. With an accelerator nothing changes.

    Args:
        cfg (Config): The full config; changed in place.
        force_fp32 (bool): Train in fp32 even where the config asks for mixed precision.
    """
    optim_cfg = cfg.get('optim_wrapper')
    if not optim_cfg or optim_cfg.get('type') not in _MIXED_PRECISION_WRAPPERS:
        return
    if force_fp32:
        _log(f"--fp32: optim_wrapper {optim_cfg['type']} -> OptimWrapper (fp32)")
        optim_cfg['type'] = 'OptimWrapper'
        for key in ('loss_scale', 'dtype', 'use_fsdp', 'cpu_dtype'):
            optim_cfg.pop(key, None)
        return
    if optim_cfg['type'] in _AMP_WRAPPERS and get_device() == 'cpu':
        optim_cfg['type'] = 'MixedPrecisionOptimWrapper'
        _log('no GPU: AmpOptimWrapper needs one, using MixedPrecisionOptimWrapper (bf16 '
             'autocast where the CPU supports it, fp32 otherwise)')


def _export_slurm_env() -> None:
    """Translate SLURM's variables into the env:// ones ``init_process_group`` reads."""
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare a distributed launch on a machine without CUDA; a no-op otherwise.

    Three things differ from the GPU path:

    1. ``env_cfg.dist_cfg.backend`` becomes ``'gloo'`` (nccl needs CUDA);
    2. the process group is created here, because mmengine's ``init_dist`` calls
       ``torch.cuda.set_device`` first, which fails without a driver; the Runner then sees
       an initialised group and skips its own;
    3. ``MMDistributedDataParallel`` gets ``device_ids=None``, as DDP requires for CPU
       modules (mmengine passes ``[LOCAL_RANK]``).

    Args:
        cfg (Config): The full config; changed in place.
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun), ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: Whether the CPU set-up was applied.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher == 'mpi':
        raise ValueError('--launcher mpi needs CUDA; on a CPU-only machine use '
                         '--launcher pytorch (tools/dist_train.sh) or slurm.')

    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    old_backend = dist_cfg.get('backend', 'nccl')
    if old_backend != 'gloo':
        dist_cfg['backend'] = 'gloo'
        _log(f'no CUDA device: env_cfg.dist_cfg.backend {old_backend!r} -> \'gloo\'')

    wrapper_cfg = cfg.get('model_wrapper_cfg')
    if wrapper_cfg is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False),
            device_ids=None)
    elif wrapper_cfg.get('type', 'MMDistributedDataParallel') in _DDP_WRAPPERS:
        wrapper_cfg['device_ids'] = None

    if not torch_dist.is_initialized():
        if launcher == 'slurm':
            _export_slurm_env()
        kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
        if kwargs.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        torch_dist.init_process_group(backend='gloo', **kwargs)
    return True


def retain_cpu_memory() -> bool:
    """Training on a CPU (no GPU/NPU/MLU/MUSA): keep freed memory in the process
    (:func:`~mixmim_mm.engine.cpu_allocator.retain_freed_memory`); on a VM with slow page
    faults it took the MixMAE Swin-B bf16 step from 1.36 s to 0.74-0.80 s. Logs what it did.

    Returns:
        bool: Whether the allocator's settings were changed.
    """
    if get_device() != 'cpu':
        return False
    outcome = retain_freed_memory()
    if outcome == RETAINED:
        outcome += (f' (glibc mmap threshold {MMAP_THRESHOLD >> 20} MiB, trim threshold '
                    f'{(TRIM_THRESHOLD + 1) >> 30} GiB)')
    _log(f'CPU training: {outcome}')
    return outcome.startswith(RETAINED)


def prepare_train_config(cfg: Config, launcher: str = 'none', force_fp32: bool = False) -> None:
    """Everything ``tools/train.py`` changes in a config, and in the process, before it
    builds the Runner.

    Atomic checkpoints (:func:`use_atomic_checkpoints`), the optim wrapper for this machine's
    precision (:func:`select_precision`), without CUDA the CPU distributed set-up
    (:func:`setup_cpu_distributed`), and on a CPU the allocator settings of
    :func:`retain_cpu_memory`. Tests that build a Runner themselves call this too, so
    they train a config exactly as the entry point does.

    Args:
        cfg (Config): The full config; changed in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        force_fp32 (bool): ``--fp32``: train in fp32 even where the config asks for mixed
            precision.
    """
    use_atomic_checkpoints(cfg)
    select_precision(cfg, force_fp32=force_fp32)
    setup_cpu_distributed(cfg, launcher)
    retain_cpu_memory()


def shutdown_distributed() -> None:
    """Wait for every rank, then destroy the default process group (if there is one).

    mmengine leaves the group open at exit. With gloo, a rank whose interpreter exits while
    another still talks to it can then abort in the group's background threads
    ("terminate called without an active exception"), failing a run that had finished.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
