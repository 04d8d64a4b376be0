"""Let ``torch.load(weights_only=True)`` read mmengine training checkpoints.

Why this module exists:
    Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``: only tensors, plain
    containers and explicitly allow-listed globals may be unpickled. mmengine 0.10.7 calls
    ``torch.load(filename, map_location)`` without ``weights_only`` when it resumes, and a
    full training checkpoint holds more than weights: the message hub's log history
    (``mmengine.logging.HistoryBuffer`` objects backed by numpy arrays) and numpy scalars in
    the runtime info (e.g. ``eta``). Resuming therefore fails with
    ``Unsupported global: mmengine.logging.history_buffer.HistoryBuffer``.

    Rather than turn safe loading off (``weights_only=False`` runs arbitrary pickled code),
    :func:`register_checkpoint_safe_globals` allow-lists exactly the types those checkpoints
    contain. It is called when ``mixmim_mm`` is imported.

The list was found empirically (train an mmengine ``Runner`` with AdamW, param schedulers
and a message hub, save, ``torch.load(..., weights_only=True)``, add what is rejected):

* ``mmengine.logging.history_buffer.HistoryBuffer`` - the message hub's log buffers.
* ``numpy.core.multiarray._reconstruct``, ``numpy.ndarray``, ``numpy.dtype`` - the numpy
  arrays inside each buffer (``_log_history`` / ``_count_history``).
* ``numpy.core.multiarray.scalar`` - numpy scalars stored in the runtime info.
* ``numpy.dtypes.Float64DType`` and ``numpy.dtypes.Int64DType`` - the classes of the two
  dtypes those arrays and scalars use; unpickling a dtype calls ``BUILD`` on an instance
  of them.
* ``builtins.getattr`` - **not** allow-listed. A buffer's ``statistics_methods`` dict
  holds ``HistoryBuffer.min``/``max``/``current``/``mean``, which pickle (protocol 2)
  writes as ``getattr(HistoryBuffer, 'min')``. A general ``getattr`` would make safe
  loading unsafe (it reaches ``__globals__`` and from there ``eval``), so the name
  ``builtins.getattr`` is bound to :func:`_history_buffer_getattr`, which only resolves
  those four methods on ``HistoryBuffer`` and rejects everything else.

Anything else in a checkpoint (a custom class, another dtype) is still rejected by torch.
"""
import pickle
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# Methods ``HistoryBuffer`` registers as its default statistics (see its
# ``_set_default_statistics``); these are the only attributes a checkpoint needs.
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """Stand-in for ``builtins.getattr`` while unpickling with ``weights_only``.

    Args:
        obj: The object whose attribute the pickle asks for.
        name: The attribute name.

    Returns:
        ``getattr(obj, name)`` when ``obj`` is ``HistoryBuffer`` and ``name`` is one of
        its default statistics methods.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'weights_only load: getattr({obj!r}, {name!r}) is not allowed; mixmim_mm only '
        f'allows getattr(HistoryBuffer, name) for name in {_HISTORY_BUFFER_STATISTICS}.')


def _numpy_multiarray_names() -> List[Tuple[Callable, str]]:
    """(object, pickled name) pairs for numpy's array and scalar rebuild functions.

    numpy < 2 pickles them from ``numpy.core.multiarray``, numpy >= 2 from
    ``numpy._core.multiarray``; both names are accepted so that a checkpoint written with
    either numpy loads with the other.
    """
    try:
        from numpy._core import multiarray  # numpy >= 2
    except ImportError:
        from numpy.core import multiarray  # numpy < 2
    pairs = []
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        pairs.append((multiarray._reconstruct, f'{module}._reconstruct'))
        pairs.append((multiarray.scalar, f'{module}.scalar'))
    return pairs


def checkpoint_safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals that mmengine training checkpoints need, in ``add_safe_globals`` form.

    Returns:
        list: Types, and ``(object, pickled name)`` pairs where the name in the pickle is
        not the object's own ``__module__.__qualname__``.
    """
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        type(np.dtype(np.float64)),
        type(np.dtype(np.int64)),
        (_history_buffer_getattr, 'builtins.getattr'),
        *_numpy_multiarray_names(),
    ]


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``.

    Calling it again changes nothing (torch keeps a set). Does nothing on torch versions
    without ``torch.serialization.add_safe_globals`` (< 2.4), whose ``torch.load`` does not
    default to ``weights_only=True`` anyway.
    """
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
