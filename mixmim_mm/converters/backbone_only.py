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
from collections import OrderedDict
from typing import Dict, Optional

import torch

from ..models.utils.pretrained import register_checkpoint_format, select_prefix
from .checkpoint_io import save_checkpoint_file
from .mmpretrain_mixmim import convert_mmpretrain_mixmim
from .official_mixmim import convert_official_mixmim
from .swin_keys import FORMATS, check_backbone_keys, detect_format, infer_backbone_arch

__all__ = [
    'FORMATS', 'backbone_state_dict', 'detect_format', 'infer_backbone_arch',
    'mixmim_mm_swin_format', 'save_converted_checkpoint'
]


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
