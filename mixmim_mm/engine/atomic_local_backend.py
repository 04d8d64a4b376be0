"""A local file backend whose writes are atomic: a file is either the old one or the new one.

mmengine's :class:`~mmengine.fileio.LocalBackend` opens the destination with ``'wb'`` and
writes into it, so a crash (killed job, full disk) part-way through saving a checkpoint
leaves a truncated ``iter_N.pth`` under its final name. :class:`AtomicLocalBackend` writes
to a temporary file in the same folder, flushes and fsyncs it, then renames it over the
destination with :func:`os.replace` (atomic on POSIX and Windows when both paths are on
one file system, which a same-folder temporary file guarantees).

Select it with ``backend_args=dict(backend='atomic_local')``, e.g. on ``CheckpointHook``.
"""
import os
import os.path as osp
import uuid
from pathlib import Path
from typing import BinaryIO, Union

from mmengine.fileio import LocalBackend, register_backend


def _write_and_sync(fileobj: BinaryIO, data: bytes) -> None:
    """Write ``data`` and force it to disk before the file is renamed into place."""
    fileobj.write(data)
    fileobj.flush()
    os.fsync(fileobj.fileno())


def _sync_dir(dirname: str) -> None:
    """Persist a rename in ``dirname``; not possible (nor needed) on every platform."""
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicLocalBackend(LocalBackend):
    """Local storage backend with crash-safe ``put`` and ``put_text``.

    Reading, listing and removing behave exactly as in :class:`LocalBackend`. Writing goes
    to a hidden temporary file next to the destination (``.NAME.<random>.tmp``), which is
    fsynced and then renamed over the destination, so readers never see a partial file.
    If writing fails, the temporary file is removed and the destination is left untouched.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Atomically write bytes to ``filepath``, creating its folder if needed.

        Args:
            obj (bytes): Data to be written.
            filepath (str or Path): Destination path.
        """
        filepath = str(filepath)
        dirname = osp.dirname(osp.abspath(filepath))
        os.makedirs(dirname, exist_ok=True)
        tmp_path = osp.join(dirname, f'.{osp.basename(filepath)}.{uuid.uuid4().hex[:12]}.tmp')
        try:
            # 'xb' creates the file with the usual umask-derived permissions (unlike mkstemp's
            # 0600) and refuses to reuse an existing name.
            with open(tmp_path, 'xb') as f:
                _write_and_sync(f, obj)
            os.replace(tmp_path, filepath)
        except BaseException:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
            raise
        _sync_dir(dirname)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        """Atomically write text to ``filepath``, creating its folder if needed.

        Args:
            obj (str): Text to be written.
            filepath (str or Path): Destination path.
            encoding (str): Text encoding. Defaults to 'utf-8'.
        """
        self.put(obj.encode(encoding), filepath)


# force: re-importing the package (e.g. via importlib.reload) must not fail.
register_backend('atomic_local', AtomicLocalBackend, force=True)
