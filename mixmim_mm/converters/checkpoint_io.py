"""Reading and writing checkpoint files for the converters, safely and atomically."""
import os
import tempfile
from collections import OrderedDict
from typing import Dict

import torch


def load_state_dict_file(path: str) -> Dict[str, torch.Tensor]:
    """Load the tensors of a checkpoint with ``weights_only=True``.

    Accepts a bare state dict or a dict holding one under ``state_dict`` or ``model``.
    Raises a ``ValueError`` naming the file when it is not a checkpoint.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 - report any unpickling failure with the file name
        raise ValueError(f'{path} is not a readable PyTorch checkpoint '
                         f'(weights-only load failed: {e})') from e
    if isinstance(obj, dict):
        for key in ('state_dict', 'model'):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or \
            not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f'{path} does not hold a state dict of tensors '
                         f"(expected a dict of tensors, or one under 'state_dict'/'model')")
    return OrderedDict(obj)


def save_checkpoint_file(state_dict: Dict[str, torch.Tensor], path: str, meta: dict = None):
    """Write ``{'state_dict': ..., 'meta': ...}`` atomically (temp file + rename)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_', suffix='.pth')
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save({'state_dict': state_dict, 'meta': meta or {}}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def check_keys(converted: Dict[str, torch.Tensor], expected_keys, source: str):
    """Raise a ``ValueError`` listing missing and unexpected keys, if any."""
    expected, found = set(expected_keys), set(converted)
    missing, unexpected = sorted(expected - found), sorted(found - expected)
    if missing or unexpected:
        raise ValueError(
            f'keys of {source} do not match the model after conversion:\n'
            f'  missing ({len(missing)}): {missing[:10]}{" ..." if len(missing) > 10 else ""}\n'
            f'  unexpected ({len(unexpected)}): {unexpected[:10]}'
            f'{" ..." if len(unexpected) > 10 else ""}')


def take_prefix(state_dict: Dict[str, torch.Tensor], prefix: str = None,
                source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """The entries under ``prefix`` with the prefix removed.

    When ``prefix`` is None it is ``'backbone.'`` if the checkpoint holds a whole model and
    ``''`` (everything) otherwise. Raises a ``ValueError`` naming ``source`` if no key has
    the prefix.
    """
    if prefix is None:
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in state_dict) else ''
    taken = OrderedDict(
        (k[len(prefix):], v) for k, v in state_dict.items() if k.startswith(prefix))
    if not taken:
        heads = sorted({k.split('.')[0] + '.' for k in state_dict})
        raise ValueError(f'no key of {source} starts with prefix={prefix!r}; its keys start '
                         f'with {heads[:10]}')
    return taken
