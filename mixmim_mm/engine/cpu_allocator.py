"""Keep the memory a CPU train step frees for the next step (glibc's ``malloc``).

Every train step frees and allocates again the same large buffers: activations, and in
bf16 the fp32 gradients that autocast's backward casts write. With glibc's default settings
a freed buffer above the mmap threshold, or freed memory at the top of the heap above the
trim threshold, goes back to the kernel, and the next step pays a page fault per 4 KiB page
to get it back, zeroed. On a 2-core AMD EPYC VM this made the backward casts 43% of the
MixMAE Swin-B bf16 step (1.36 s per step with glibc's defaults, 0.74-0.80 s with the two
settings below; ``configs/mixmae/README.md``, "Keeping freed memory").

* ``M_MMAP_THRESHOLD`` fixed at 32 MiB (glibc's upper limit): buffers up to that size come
  from the heap, not from fresh ``mmap`` calls. glibc's own threshold moves with the sizes
  freed, but its trimming still hands the memory back.
* ``M_TRIM_THRESHOLD`` at 2 GiB: the heap is not trimmed after every step.

The price is that the process keeps its peak heap resident, which training reaches within
the first steps anyway. Nothing changes where the environment already chooses the
allocator's settings (``MALLOC_*_`` variables, ``GLIBC_TUNABLES``) or asks for glibc's own
(``MIXMIM_MM_ALLOCATOR=glibc``), where ``LD_PRELOAD`` brings another allocator (jemalloc,
tcmalloc, mimalloc), or where the C library is not glibc.
"""
import ctypes
import os
import sys

#: ``mallopt`` parameters of glibc's ``<malloc.h>``.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 2**31 - 1

_ENV_SETTINGS = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_',
                 'MALLOC_MMAP_MAX_', 'MALLOC_ARENA_MAX')
_OTHER_ALLOCATORS = ('jemalloc', 'tcmalloc', 'mimalloc')
#: ``MIXMIM_MM_ALLOCATOR=glibc`` keeps glibc's own settings.
OPT_OUT = 'MIXMIM_MM_ALLOCATOR'
#: What :func:`retain_freed_memory` returns when it made the settings.
RETAINED = 'retain freed memory'


def _reason_to_leave_alone(environ) -> str:
    """Why the allocator's settings are not this module's to change ('' when they are)."""
    if environ.get(OPT_OUT, '') == 'glibc':
        return f'{OPT_OUT}=glibc'
    if not sys.platform.startswith('linux'):
        return f'not Linux ({sys.platform})'
    chosen = [name for name in _ENV_SETTINGS if name in environ]
    if 'glibc.malloc' in environ.get('GLIBC_TUNABLES', ''):
        chosen.append('GLIBC_TUNABLES')
    if chosen:
        return f"the environment sets them ({', '.join(chosen)})"
    preload = environ.get('LD_PRELOAD', '')
    other = [name for name in _OTHER_ALLOCATORS if name in preload]
    if other:
        return f'LD_PRELOAD brings {other[0]}'
    return ''


def retain_freed_memory(environ=None) -> str:
    """Set glibc's mmap and trim thresholds so that freed memory stays in the process.

    Calling it again changes nothing.

    Args:
        environ (Mapping, optional): The environment to read; ``os.environ`` if None.

    Returns:
        str: :data:`RETAINED` (``'retain freed memory'``) if the settings were made, else
        ``'allocator left alone: <why>'``.
    """
    reason = _reason_to_leave_alone(os.environ if environ is None else environ)
    if not reason:
        libc = ctypes.CDLL(None)  # the C library the process already runs on
        if not hasattr(libc, 'gnu_get_libc_version'):
            reason = 'the C library is not glibc'
        elif not (libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                  and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
            reason = 'glibc refused mallopt'
    return f'allocator left alone: {reason}' if reason else RETAINED
