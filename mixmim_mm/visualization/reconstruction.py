"""Render MixMAE reconstructions as a PNG grid, and fetch a reproducible batch to render.

The renderer works on the dict returned by ``MixMAE.reconstruct(inputs)``::

    originals        Tensor[M, N, 3, H, W]  the N source images of each mixed input
    mixed            Tensor[M, 3, H, W]     the encoder input
    reconstructions  Tensor[M, N, 3, H, W]  the decoder's prediction of each source image
    group_ids        LongTensor[M, h, w]    which source image fills each mask unit

with every image in the data preprocessor's normalised space. Each mixed input becomes one row:
the N originals, the mixed input, the N reconstructions and, optionally, the N reconstructions
with the visible (unmasked) units pasted back from the original.
"""
import contextlib
import os
import os.path as osp
import random
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

_KEYS = ('originals', 'mixed', 'reconstructions', 'group_ids')


def _as_channel_vector(value, name: str) -> torch.Tensor:
    """Accept (1,3,1,1) / (3,1,1) buffers or a plain sequence; return shape (3, 1, 1)."""
    t = torch.as_tensor(value, dtype=torch.float32).detach().cpu().reshape(-1)
    if t.numel() == 1:
        t = t.repeat(3)
    if t.numel() != 3:
        raise ValueError(f'`{name}` must hold 1 or 3 channel values, got shape {tuple(t.shape)}')
    return t.view(3, 1, 1)


def denormalize(images: torch.Tensor, mean, std) -> np.ndarray:
    """Map normalised ``[..., 3, H, W]`` images back to uint8 ``[..., H, W, 3]`` RGB arrays."""
    mean = _as_channel_vector(mean, 'mean')
    std = _as_channel_vector(std, 'std')
    pixels = images.detach().float().cpu() * std + mean
    pixels = pixels.clamp(0, 255).round().to(torch.uint8)
    return pixels.movedim(-3, -1).numpy()


def paste_visible(originals: torch.Tensor, reconstructions: torch.Tensor,
                  group_ids: torch.Tensor) -> torch.Tensor:
    """Put each image's visible units (``group_ids == n``) back over its reconstruction."""
    M, N, _, H, W = originals.shape
    # group_ids is coarse (one entry per mask unit); nearest upsampling gives per-pixel ids.
    ids = F.interpolate(group_ids[:, None].float(), size=(H, W), mode='nearest')[:, 0].long()
    visible = ids[:, None] == torch.arange(N, device=ids.device).view(1, N, 1, 1)
    return torch.where(visible[:, :, None], originals, reconstructions)


def _check_result(result: Dict[str, torch.Tensor]) -> None:
    missing = [k for k in _KEYS if k not in result]
    if missing:
        raise KeyError(f'reconstruction result lacks {missing}; expected keys {list(_KEYS)}')
    orig, mixed = result['originals'], result['mixed']
    recon, ids = result['reconstructions'], result['group_ids']
    if orig.dim() != 5 or orig.shape[2] != 3:
        raise ValueError(f'`originals` must be [M, N, 3, H, W], got {tuple(orig.shape)}')
    # Fewer reconstructions than images is allowed: the "w/o dual" ablation decodes image 0 only.
    if (recon.dim() != 5 or recon.shape[:1] + recon.shape[2:] != orig.shape[:1] + orig.shape[2:]
            or not 1 <= recon.shape[1] <= orig.shape[1]):
        raise ValueError(f'`reconstructions` {tuple(recon.shape)} must be [M, K, 3, H, W] with '
                         f'K <= N, matching `originals` {tuple(orig.shape)}')
    if tuple(mixed.shape) != (orig.shape[0], ) + tuple(orig.shape[2:]):
        raise ValueError(f'`mixed` must be [M, 3, H, W] = '
                         f'{(orig.shape[0], ) + tuple(orig.shape[2:])}, got {tuple(mixed.shape)}')
    if ids.dim() != 3 or ids.shape[0] != orig.shape[0]:
        raise ValueError(f'`group_ids` must be [M, h, w] with M={orig.shape[0]}, '
                         f'got {tuple(ids.shape)}')


def render_reconstruction_grid(result: Dict[str, torch.Tensor],
                               mean,
                               std,
                               with_pasted: bool = True,
                               max_rows: Optional[int] = None,
                               labels: bool = True,
                               gap: int = 2) -> np.ndarray:
    """Draw one row per mixed input; return the grid as a uint8 ``[height, width, 3]`` array.

    Args:
        result (dict): Output of ``MixMAE.reconstruct`` (see the module docstring).
        mean, std: The data preprocessor's normalisation (buffers or sequences, RGB order).
        with_pasted (bool): Also show each reconstruction with its visible units pasted back
            from the original. Defaults to True.
        max_rows (int, optional): Draw at most this many mixed inputs.
        labels (bool): Put a header row naming each column. Defaults to True.
        gap (int): White pixels between cells. Defaults to 2.
    """
    _check_result(result)
    orig = result['originals'].detach().float().cpu()
    mixed = result['mixed'].detach().float().cpu()
    recon = result['reconstructions'].detach().float().cpu()
    ids = result['group_ids'].detach().cpu()
    if max_rows is not None:
        orig, mixed = orig[:max_rows], mixed[:max_rows]
        recon, ids = recon[:max_rows], ids[:max_rows]
    M, N, _, H, W = orig.shape
    K = recon.shape[1]

    columns = [denormalize(orig, mean, std)[:, n] for n in range(N)]
    names = [f'image {n + 1}' for n in range(N)]
    columns.append(denormalize(mixed, mean, std))
    names.append('mixed input')
    columns += [denormalize(recon, mean, std)[:, k] for k in range(K)]
    names += [f'recon {k + 1}' for k in range(K)]
    if with_pasted:
        pasted = denormalize(paste_visible(orig[:, :K], recon, ids), mean, std)
        columns += [pasted[:, k] for k in range(K)]
        names += [f'recon {k + 1} + visible' for k in range(K)]

    font = ImageFont.load_default()
    header = 14 if labels else 0
    ncol = len(columns)
    canvas = Image.new('RGB', (ncol * W + (ncol + 1) * gap, header + M * H + (M + 1) * gap),
                       'white')
    draw = ImageDraw.Draw(canvas)
    for c, (col, name) in enumerate(zip(columns, names)):
        x = gap + c * (W + gap)
        if labels:
            draw.text((x + 2, 1), name, fill='black', font=font)
        for r in range(M):
            canvas.paste(Image.fromarray(col[r]), (x, header + gap + r * (H + gap)))
    return np.asarray(canvas)


def save_reconstruction_grid(result: Dict[str, torch.Tensor], out_file: str, mean, std,
                             **kwargs) -> str:
    """Render with :func:`render_reconstruction_grid` and write a PNG; return its path."""
    grid = render_reconstruction_grid(result, mean, std, **kwargs)
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    Image.fromarray(grid).save(out_file, format='PNG')
    return out_file


@contextlib.contextmanager
def forked_rng(seed: int):
    """Seed python/numpy/torch inside the block and restore their previous state after it.

    Drawing a picture then neither depends on nor disturbs the training run's random stream.
    """
    py_state, np_state, torch_state = random.getstate(), np.random.get_state(), \
        torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.set_rng_state(torch_state)


def fetch_batch(dataset, num_images: int, collate_fn: Callable, seed: int = 0) -> dict:
    """Collate ``num_images`` samples chosen and augmented reproducibly from ``dataset``.

    Images are picked so that distinct files come first when the dataset repeats each file as
    several views (:class:`ImageFolderViews`).
    """
    if num_images < 1:
        raise ValueError(f'`num_images` must be >= 1, got {num_images}')
    with forked_rng(seed):
        # Look at a bounded number of entries so huge folders stay cheap.
        order = np.random.permutation(len(dataset))[:max(64 * num_images, 256)].tolist()
        seen, first, rest = set(), [], []
        for idx in order:
            path = dataset.get_data_info(idx).get('img_path', idx)
            (rest if path in seen else first).append(idx)
            seen.add(path)
        picked = first + rest
        picked = [picked[i % len(picked)] for i in range(num_images)]
        samples = [dataset[i] for i in picked]
    return collate_fn(samples)


@torch.no_grad()
def reconstruct_batch(model: torch.nn.Module,
                      data_batch: Union[dict, Sequence],
                      seed: int = 0) -> Dict[str, torch.Tensor]:
    """Preprocess ``data_batch`` and run ``model.reconstruct`` in eval mode with a fixed seed."""
    if not hasattr(model, 'reconstruct'):
        raise AttributeError(f'{type(model).__name__} has no `reconstruct(inputs)` method; '
                             'reconstruction pictures need a MixMAE model')
    was_training = model.training
    model.eval()
    try:
        with forked_rng(seed):
            data = model.data_preprocessor(data_batch, False)
            inputs = data['inputs']
            if isinstance(inputs, (list, tuple)):
                inputs = inputs[0]
            result = model.reconstruct(inputs)
    finally:
        model.train(was_training)
    return result


def preprocessor_mean_std(model: torch.nn.Module):
    """The model's normalisation constants, or identity when it does not normalise."""
    pre = model.data_preprocessor
    mean = getattr(pre, 'mean', None)
    std = getattr(pre, 'std', None)
    if mean is None or std is None or not getattr(pre, '_enable_normalize', True):
        return [0.0] * 3, [1.0] * 3
    return mean, std


__all__: List[str] = [
    'denormalize', 'paste_visible', 'render_reconstruction_grid', 'save_reconstruction_grid',
    'forked_rng', 'fetch_batch', 'reconstruct_batch', 'preprocessor_mean_std'
]
