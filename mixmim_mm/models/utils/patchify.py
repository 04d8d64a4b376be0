"""Patch <-> image reshaping shared by every pixel-reconstruction method.

The element order inside a patch is (row, column, channel), the order MAE and MMPretrain
use (``nchpwq -> nhwpqc``), so prediction heads stay weight-compatible with theirs.
"""
import torch


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut ``(B, C, H, W)`` images into ``(B, H/p * W/p, p*p*C)`` patches."""
    b, c, h, w = images.shape
    if h % patch_size or w % patch_size:
        raise ValueError(f'image size {h}x{w} is not divisible by patch_size={patch_size}')
    gh, gw = h // patch_size, w // patch_size
    x = images.reshape(b, c, gh, patch_size, gw, patch_size)
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(b, gh * gw, patch_size * patch_size * c)


def unpatchify(patches: torch.Tensor,
               patch_size: int,
               grid_size: tuple,
               channels: int = 3) -> torch.Tensor:
    """Inverse of :func:`patchify`: ``(B, gh*gw, p*p*C)`` -> ``(B, C, gh*p, gw*p)``."""
    gh, gw = grid_size
    b = patches.shape[0]
    x = patches.reshape(b, gh, gw, patch_size, patch_size, channels)
    x = torch.einsum('nhwpqc->nchpwq', x)
    return x.reshape(b, channels, gh * patch_size, gw * patch_size)


def normalize_patches(patches: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """MAE's per-patch pixel normalisation (unbiased variance, as in MAE and MMPretrain)."""
    mean = patches.mean(dim=-1, keepdim=True)
    var = patches.var(dim=-1, keepdim=True)
    return (patches - mean) / (var + eps)**.5


def denormalize_patches(pred: torch.Tensor,
                        reference: torch.Tensor,
                        eps: float = 1e-6) -> torch.Tensor:
    """Map normalised-patch predictions back with the statistics of ``reference`` patches."""
    mean = reference.mean(dim=-1, keepdim=True)
    var = reference.var(dim=-1, keepdim=True)
    return pred * (var + eps)**.5 + mean
