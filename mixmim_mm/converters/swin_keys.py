"""Key names of ``MixMAESwinTransformer`` checkpoints: which implementation wrote them, the
architecture they describe, and whether they form a complete encoder. The lowest layer of the
MixMIM converters (:mod:`.official_mixmim`, :mod:`.mmpretrain_mixmim` and
:mod:`.backbone_only` use it)."""
import re
from typing import Dict, Optional

import torch

from .checkpoint_io import check_keys

FORMATS = ('mixmim_mm', 'official', 'mmpretrain')


def detect_format(state_dict: Dict[str, torch.Tensor]) -> Optional[str]:
    """``'mixmim_mm'``, ``'official'``, ``'mmpretrain'`` or None, from the key names."""
    keys = list(state_dict)
    if any(re.match(r'(backbone\.)?stages\.\d+\.blocks\.\d+\.', k) for k in keys):
        return 'mixmim_mm'
    if any(re.match(r'(backbone\.)?layers\.\d+\.blocks\.\d+\.ln1\.', k) for k in keys) or \
            any(k.endswith('patch_embed.projection.weight') for k in keys):
        return 'mmpretrain'
    if any(re.match(r'layers\.\d+\.blocks\.\d+\.norm1\.', k) for k in keys):
        return 'official'
    return None


def infer_backbone_arch(backbone: Dict[str, torch.Tensor]) -> dict:
    """Read ``embed_dims``, ``depths``, ``num_heads``, ``window_size`` (per block),
    ``patch_size`` and ``img_size`` (when the position-embedding grid is square) off the
    shapes of a bare backbone state dict."""
    depths, heads, windows = {}, {}, {}
    for key, value in backbone.items():
        m = re.match(r'stages\.(\d+)\.blocks\.(\d+)\.attn\.relative_position_bias_table$', key)
        if m:
            stage, block = int(m.group(1)), int(m.group(2))
            depths[stage] = max(depths.get(stage, 0), block + 1)
            heads[stage] = value.shape[1]
            side = int(round(value.shape[0]**0.5))
            windows.setdefault(stage, {})[block] = (side + 1) // 2
    if not depths or sorted(depths) != list(range(len(depths))):
        raise ValueError(f'cannot read the stage/block layout from the keys '
                         f'{sorted(backbone)[:8]}')
    proj = backbone.get('patch_embed.proj.weight')
    if proj is None:
        raise ValueError(f'no patch embedding (patch_embed.proj.weight) among the keys '
                         f'{sorted(backbone)[:8]}')
    arch = dict(
        embed_dims=proj.shape[0],
        depths=[depths[i] for i in range(len(depths))],
        num_heads=[heads[i] for i in range(len(depths))],
        window_size=[[windows[i][j] for j in range(depths[i])] for i in range(len(depths))],
        patch_size=proj.shape[-1])
    pos = backbone.get('absolute_pos_embed')
    if pos is not None:
        side = int(round(pos.shape[1]**0.5))
        if side * side == pos.shape[1]:
            arch['img_size'] = side * arch['patch_size']
    return arch


def expected_backbone_keys(depths, out_indices, mix_embeds: bool = False):
    """The state-dict keys of a ``MixMAESwinTransformer`` with these ``depths`` and norms.

    Key names do not depend on widths, heads or windows, so a 4-channel model with the same
    depths (built in milliseconds) gives them exactly.
    """
    from ..models.backbones.mixmae_swin import MixMAESwinTransformer
    n = len(depths)
    model = MixMAESwinTransformer(
        arch=dict(embed_dims=4, depths=list(depths), num_heads=[1] * n),
        img_size=4 * 2**(n - 1),
        patch_size=4,
        window_size=[1] * n,
        mask_unit=4 * 2**(n - 1),
        separation='mix_embedding' if mix_embeds else 'masked_attention',
        out_indices=tuple(out_indices))
    return list(model.state_dict())


def check_backbone_keys(state_dict: Dict[str, torch.Tensor],
                        prefix: str = '',
                        source: str = 'the checkpoint') -> None:
    """Raise a ``ValueError`` listing missing/unexpected keys if the ``prefix`` entries of
    ``state_dict`` are not a complete ``MixMAESwinTransformer`` (layout read from the keys)."""
    backbone = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    arch = infer_backbone_arch(backbone)
    norms = sorted(
        int(m.group(1)) for k in backbone for m in [re.match(r'norm(\d+)\.weight$', k)] if m)
    expected = expected_backbone_keys(
        arch['depths'],
        norms or [len(arch['depths']) - 1],
        mix_embeds=any(k.startswith('mix_embeds.') for k in backbone))
    check_keys(backbone, expected, source)
