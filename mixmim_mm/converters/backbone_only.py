"""Get the encoder's weights, with bare ``MixMAESwinTransformer`` keys, out of any checkpoint.

Accepted inputs (detected from the keys):

* ``mixmim_mm``: our pretraining (``backbone.``/``neck.``/``head.``) or classification
  checkpoints, or a bare backbone state dict;
* ``official``: the MixMIM authors' timm-style checkpoints (:mod:`.official_mixmim`);
* ``mmpretrain``: MMPretrain MixMIM checkpoints (:mod:`.mmpretrain_mixmim`).

mmdet and mmseg backbones load the result with ``init_cfg=dict(type='Pretrained',
checkpoint=...)`` and no prefix; a full checkpoint also works directly with
``prefix='backbone.'`` (see :func:`~mixmim_mm.models.utils.pretrained.load_pretrained`, which
converts the authors' and MMPretrain's formats on the fly through
:func:`mixmim_mm_swin_format`).
"""
import re
from collections import OrderedDict
from typing import Dict, Optional

import torch

from ..models.utils.pretrained import register_checkpoint_format, select_prefix
from .checkpoint_io import check_keys, save_checkpoint_file

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


def backbone_state_dict(state_dict: Dict[str, torch.Tensor],
                        prefix: Optional[str] = None,
                        source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """The encoder's tensors of any supported checkpoint, with bare backbone keys.

    Args:
        state_dict (dict): A state dict in one of :data:`FORMATS`.
        prefix (str, optional): Take only the keys under this prefix (e.g. ``'backbone.'``).
            When None, ``'backbone.'`` is used if the checkpoint holds a whole model.
        source (str): Name used in error messages (e.g. the file path).

    Raises:
        ValueError: If no key has the prefix, the format is unknown, or the result is not
            a complete backbone (missing and unexpected keys are listed).
    """
    from .mmpretrain_mixmim import convert_mmpretrain_mixmim
    from .official_mixmim import convert_official_mixmim
    fmt = detect_format(state_dict)
    if fmt == 'official':
        state_dict, prefix = convert_official_mixmim(state_dict, source), 'backbone.'
    elif fmt == 'mmpretrain':
        state_dict = convert_mmpretrain_mixmim(state_dict, source)
    elif fmt is None:
        raise ValueError(f'{source} holds no MixMAE/MixMIM encoder: expected keys like '
                         f'"backbone.stages.0.blocks.0.attn.qkv.weight" (mixmim_mm), '
                         f'"layers.0.blocks.0.norm1.weight" (authors) or '
                         f'"backbone.layers.0.blocks.0.ln1.weight" (MMPretrain); found '
                         f'{sorted(state_dict)[:8]}')
    backbone = OrderedDict(select_prefix(state_dict, prefix, source))
    # Pretraining-only parts of the encoder are not needed downstream.
    backbone = OrderedDict((k, v) for k, v in backbone.items() if not k.startswith('mix_embeds.'))
    check_backbone_keys(backbone, '', source)
    return backbone


def mixmim_mm_swin_format(state_dict: Dict[str, torch.Tensor],
                          source: str = 'the checkpoint') -> Optional[Dict[str, torch.Tensor]]:
    """Our ``MixMAESwinTransformer`` keys for the authors' or MMPretrain's MixMIM checkpoints
    (whole-model keys under ``backbone.``); None for ours or any other format."""
    from .mmpretrain_mixmim import convert_mmpretrain_mixmim
    from .official_mixmim import convert_official_mixmim
    fmt = detect_format(state_dict)
    if fmt == 'official':
        return convert_official_mixmim(state_dict, source)
    if fmt == 'mmpretrain':
        return convert_mmpretrain_mixmim(state_dict, source)
    return None


register_checkpoint_format('MixMAESwinTransformer', mixmim_mm_swin_format)


def save_converted_checkpoint(converted: Dict[str, torch.Tensor], src: str, dst: str,
                              converter: str) -> str:
    """Write a converted state dict with the encoder layout in its meta; for the tools.

    Args:
        converted (dict): Our keys, a whole model (``backbone.*``, ...) or a bare backbone.
        src (str): The file it was converted from (recorded in the meta).
        dst (str): Where to write it (atomically).
        converter (str): Name of the conversion (recorded in the meta).

    Returns:
        str: A one-line summary for the tool to print.
    """
    whole_model = any(k.startswith('backbone.') for k in converted)
    arch = infer_backbone_arch({
        k[len('backbone.'):]: v
        for k, v in converted.items() if k.startswith('backbone.')
    } if whole_model else converted)
    save_checkpoint_file(
        converted, dst, meta=dict(converted_from=src, converter=converter, backbone_arch=arch))
    return (f'wrote {len(converted)} tensors to {dst}; encoder: embed_dims='
            f'{arch["embed_dims"]}, depths={arch["depths"]}, num_heads={arch["num_heads"]}')
