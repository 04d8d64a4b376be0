"""AtomicLocalBackend: a failed write never touches the destination file."""
import os
import stat

import pytest
from mmengine.fileio import LocalBackend, get_file_backend

from mixmim_mm.engine import atomic_local_backend
from mixmim_mm.engine.atomic_local_backend import AtomicLocalBackend


def _crash_midway(fileobj, data):
    fileobj.write(data[:len(data) // 2])
    raise OSError('simulated crash while writing')


def test_registered_under_atomic_local(tmp_path):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)


def test_put_writes_and_replaces(tmp_path):
    path = tmp_path / 'sub' / 'a.bin'
    backend = AtomicLocalBackend()
    backend.put(b'first', path)
    backend.put(b'second', path)
    assert path.read_bytes() == b'second'
    assert os.listdir(path.parent) == ['a.bin']


def test_put_text_round_trips(tmp_path):
    path = tmp_path / 'a.txt'
    AtomicLocalBackend().put_text('h\u00e9llo', path)
    assert path.read_text(encoding='utf-8') == 'h\u00e9llo'


def test_failed_put_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / 'a.bin'
    backend = AtomicLocalBackend()
    backend.put(b'old content', path)
    monkeypatch.setattr(atomic_local_backend, '_write_and_sync', _crash_midway)
    with pytest.raises(OSError, match='simulated crash'):
        backend.put(b'new content that never lands', path)
    assert path.read_bytes() == b'old content'
    assert os.listdir(tmp_path) == ['a.bin']


def test_failed_first_put_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic_local_backend, '_write_and_sync', _crash_midway)
    with pytest.raises(OSError):
        AtomicLocalBackend().put_text('pointer', tmp_path / 'last_checkpoint')
    assert os.listdir(tmp_path) == []


def test_file_mode_matches_local_backend(tmp_path):
    AtomicLocalBackend().put(b'x', tmp_path / 'atomic.bin')
    LocalBackend().put(b'x', tmp_path / 'plain.bin')
    mode = stat.S_IMODE(os.stat(tmp_path / 'atomic.bin').st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / 'plain.bin').st_mode)
