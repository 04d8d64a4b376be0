"""glibc's allocator keeps the memory a CPU train step frees, unless told otherwise."""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from mixmim_mm.engine.cpu_allocator import retain_freed_memory

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith('linux') or platform.libc_ver()[0] != 'glibc',
    reason='settings of glibc on Linux')

# A "step" that allocates, fills and frees 8 buffers of 8 MiB (like one step's activations and
# gradients), then prints the minor page faults of ten more steps. glibc starts with a fixed
# 128 KiB mmap threshold, so that every buffer is mapped fresh and handed back when freed (what
# glibc's moving threshold does at times, depending on the heap's layout, which would make a
# test of the defaults flaky); 'retain' then applies retain_freed_memory() over it.
_STEPS = textwrap.dedent("""
    import ctypes, resource, sys
    import torch
    from mixmim_mm.engine import cpu_allocator
    libc = ctypes.CDLL('libc.so.6')
    assert libc.mallopt(cpu_allocator.M_MMAP_THRESHOLD, 128 * 1024)
    if sys.argv[1] == 'retain':
        assert cpu_allocator.retain_freed_memory() == 'retain freed memory'
    def step():
        buffers = [torch.ones(2 * 2**20) for _ in range(8)]
        del buffers
    step()
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        step()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")
_PAGES_TOUCHED = 10 * 8 * 8 * 2**20 // os.sysconf('SC_PAGE_SIZE')


def _page_faults(mode):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('MALLOC_', 'GLIBC_TUN'))}
    env.pop('LD_PRELOAD', None)
    out = subprocess.run([sys.executable, '-c', _STEPS, mode],
                         env=env,
                         capture_output=True,
                         text=True,
                         check=True)
    return int(out.stdout.split()[-1])


@glibc_only
def test_freed_buffers_are_reused_without_page_faults():
    # Handed back, every page of every step faults in again; retained, the steps reuse them.
    assert _page_faults('hand-back') > 0.9 * _PAGES_TOUCHED
    assert _page_faults('retain') < 0.05 * _PAGES_TOUCHED


@glibc_only
def test_settings_are_made_on_glibc():
    assert retain_freed_memory(environ={}) == 'retain freed memory'


@pytest.mark.parametrize('environ, why', [
    ({
        'MALLOC_TRIM_THRESHOLD_': '131072'
    }, 'the environment sets them (MALLOC_TRIM_THRESHOLD_)'),
    ({
        'GLIBC_TUNABLES': 'glibc.malloc.mmap_threshold=65536'
    }, 'the environment sets them (GLIBC_TUNABLES)'),
    ({
        'LD_PRELOAD': '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2'
    }, 'LD_PRELOAD brings jemalloc'),
    ({
        'MIXMIM_MM_ALLOCATOR': 'glibc'
    }, 'MIXMIM_MM_ALLOCATOR=glibc'),
])
def test_an_allocator_chosen_in_the_environment_is_left_alone(environ, why):
    if not sys.platform.startswith('linux') and 'MIXMIM_MM_ALLOCATOR' not in environ:
        why = f'not Linux ({sys.platform})'
    assert retain_freed_memory(environ=environ) == f'allocator left alone: {why}'
