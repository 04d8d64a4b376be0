"""Change the input resolution of a built backbone in place (progressive-resolution training)."""
from typing import List, Optional

import torch.nn as nn

from .pos_embed import resize_rel_pos_bias_table


def swin_stage_windows(img_size: int, patch_size: int, num_stages: int,
                       window_size: int) -> List[int]:
    """Window per Swin stage for square ``img_size`` inputs, clipped to the stage's map.

    As in the Swin code, a stage whose feature map is smaller than the window uses one window
    of the map's size (and no shift, which MMPretrain's ``ShiftWindowMSA`` turns off whenever
    the map equals the window).
    """
    windows = []
    side = img_size // patch_size
    for stage in range(num_stages):
        if side % min(window_size, side):
            raise ValueError(f'Swin stage {stage + 1} at {img_size} px is {side}x{side}, not '
                             f'divisible by window_size={window_size}')
        windows.append(min(window_size, side))
        side //= 2
    return windows


def _rebuild_window_msa(w_msa: nn.Module, window: int) -> Optional[nn.Parameter]:
    """Resize one ``WindowMSA`` to ``window``; returns its table when it was resized."""
    if tuple(w_msa.window_size) == (window, window):
        return None
    table = w_msa.relative_position_bias_table
    # In place: the Parameter object (and its optimizer param group entry) stays the same.
    table.data = resize_rel_pos_bias_table(table.data, (window, window))
    w_msa.window_size = (window, window)
    seq = w_msa.double_step_seq(2 * window - 1, window, 1, window)
    index = (seq + seq.T).flip(1).contiguous()
    w_msa.relative_position_index = index.to(w_msa.relative_position_index.device)
    return table


def set_swin_input_size(backbone: nn.Module, img_size: int, window_size: int) -> List[nn.Parameter]:
    """Make an MMPretrain ``SwinTransformer`` run ``img_size`` inputs with ``window_size``.

    Every block's window becomes the clipped window of its stage (see
    :func:`swin_stage_windows`), its relative-position bias table is bicubically resized
    (FastMIM A.3.2) and its index rebuilt; odd blocks shift by half a window.

    Returns:
        list[nn.Parameter]: The tables whose shape changed (optimizer state must be reset).
    """
    patch = backbone.patch_embed.projection.stride[0]
    windows = swin_stage_windows(img_size, patch, len(backbone.stages), window_size)
    changed = []
    for stage, window in zip(backbone.stages, windows):
        for i, block in enumerate(stage.blocks):
            table = _rebuild_window_msa(block.attn.w_msa, window)
            if table is not None:
                changed.append(table)
            block.attn.window_size = window
            block.attn.shift_size = window // 2 if i % 2 else 0
    side = img_size // patch
    backbone.patch_embed.init_input_size = (img_size, img_size)
    backbone.patch_embed.init_out_size = backbone.patch_resolution = (side, side)
    return changed


def set_backbone_input_size(backbone: nn.Module,
                            img_size: int,
                            window_size: Optional[int] = None) -> List[nn.Parameter]:
    """Adapt a backbone's size-dependent parts to square ``img_size`` inputs.

    Backbones with a ``set_input_size`` method (e.g. ``FastMIMViT``) do it themselves; Swin
    (anything with ``stages`` of window-attention blocks) needs ``window_size``; other
    backbones (ConvNeXt, PVT, Twins, MMPretrain's ViT, which interpolates its position
    embedding on the fly) need nothing.

    Returns:
        list[nn.Parameter]: Parameters whose shape changed.
    """
    if hasattr(backbone, 'set_input_size'):
        return list(backbone.set_input_size(img_size) or [])
    stages = getattr(backbone, 'stages', None)
    is_swin = stages is not None and len(stages) and hasattr(stages[0], 'blocks') and hasattr(
        getattr(stages[0].blocks[0], 'attn', None), 'w_msa')
    if is_swin:
        if window_size is None:
            raise ValueError(f'{type(backbone).__name__} needs a window_size for {img_size} px')
        return set_swin_input_size(backbone, img_size, window_size)
    return []
