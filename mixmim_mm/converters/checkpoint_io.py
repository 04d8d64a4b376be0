"""Reading and writing checkpoint files for the converters, safely and atomically."""
import os
import tempfile
from collections import OrderedDict
from typing import Dict

import torch

from ..models.utils.pretrained import read_checkpoint


def load_state_dict_file(path: str) -> Dict[str, torch.Tensor]:
    """Load the tensors of a checkpoint file with ``weights_only=True``.

    Accepts a bare state dict or a dict holding one under ``state_dict`` or ``model``.
    Raises a ``ValueError`` naming the file when it is not a checkpoint.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    return OrderedDict(read_checkpoint(path))


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
