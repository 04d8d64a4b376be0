"""The MixMIM authors' checkpoints (github.com/Sense-X/MixMIM, timm-style keys) -> our keys.

The authors' models (``models_mixmim.py`` for pretraining, ``models_mixmim_ft.py`` for
classification) name the encoder like timm's Swin:

=============================================  ============================================
authors                                        ``MixMAESwinTransformer``
=============================================  ============================================
``patch_embed.proj`` / ``patch_embed.norm``    same
``absolute_pos_embed``                         same (fixed 2-D sin-cos, ``(1, N, C)``)
``layers.{i}.blocks.{j}.{norm1,attn,...}``     ``stages.{i}.blocks.{j}.{...}`` (same names)
``layers.{i}.downsample.{norm,reduction}``     ``stages.{i+1}.downsample.{...}``: they merge
                                               at the end of stage i, we at the start of
                                               stage i+1; timm's 2x2 order is ours, so no
                                               channel reordering
``layers.*.attn.relative_position_index``      dropped (a buffer rebuilt at run time)
``norm``                                       ``norm{last stage}``
``head`` (fine-tuned classifiers)              ``head.fc`` (MMPretrain ``LinearClsHead``)
``mask_token``, ``decoder_*`` (pretraining)    ``neck.*`` of :class:`MixMAEDecoder`; the
                                               decoder's timm blocks become MMPretrain
                                               ``TransformerEncoderLayer`` names
=============================================  ============================================

The result has ``backbone.``/``neck.``/``head.`` prefixes, so it loads into ``MixMAE`` (a
pretraining checkpoint) or an ``ImageClassifier`` (a fine-tuned one), and a downstream
backbone reads it with ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.
"""
import re
from collections import OrderedDict
from typing import Dict

import torch

from .swin_keys import check_backbone_keys

_DECODER_BLOCK_NAMES = (('norm1.', 'ln1.'), ('norm2.', 'ln2.'), ('mlp.fc1.', 'ffn.layers.0.0.'),
                        ('mlp.fc2.', 'ffn.layers.1.'))
_SIGNATURE = ('patch_embed.proj.weight', 'layers.0.blocks.0.attn.qkv.weight')


def _convert_decoder_key(name: str) -> str:
    block = re.match(r'decoder_blocks\.(\d+)\.(.*)', name)
    if block:
        rest = block.group(2)
        for old, new in _DECODER_BLOCK_NAMES:
            if rest.startswith(old):
                rest = new + rest[len(old):]
        name = f'decoder_blocks.{block.group(1)}.{rest}'
    return 'neck.' + name


def convert_official_mixmim(state_dict: Dict[str, torch.Tensor],
                            source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """Convert an authors' MixMIM state dict (pretraining or fine-tuned) to our keys.

    Args:
        state_dict (dict): The authors' ``model`` state dict.
        source (str): Name used in error messages (e.g. the file path).

    Returns:
        dict: ``backbone.*`` keys plus ``neck.*`` (pretraining) or ``head.fc.*`` (classifier).

    Raises:
        ValueError: If the keys are not those of an authors' MixMIM model; the message
            lists the expected and the found keys.
    """
    missing = [k for k in _SIGNATURE if k not in state_dict]
    if missing:
        found = sorted(state_dict)[:8]
        raise ValueError(
            f'{source} is not an authors\' MixMIM checkpoint: expected timm-style keys such as '
            f'{list(_SIGNATURE)}, found {found}{" ..." if len(state_dict) > 8 else ""}. '
            'MMPretrain MixMIM checkpoints (keys "backbone.layers.*", "ln1") go through '
            'tools/model_converters/mmpretrain_mixmim_to_mixmim_mm.py.')
    last_stage = max(
        int(m.group(1)) for k in state_dict for m in [re.match(r'layers\.(\d+)\.', k)] if m)
    out = OrderedDict()
    unknown = []
    for key, value in state_dict.items():
        if key.endswith('relative_position_index'):
            continue
        if key.startswith(('patch_embed.', 'absolute_pos_embed')):
            out['backbone.' + key] = value
        elif key.startswith('norm.'):
            out[f'backbone.norm{last_stage}.' + key[len('norm.'):]] = value
        elif re.match(r'layers\.\d+\.downsample\.', key):
            stage = int(key.split('.')[1])
            rest = key.split('.downsample.', 1)[1]
            out[f'backbone.stages.{stage + 1}.downsample.{rest}'] = value
        elif re.match(r'layers\.\d+\.blocks\.', key):
            out['backbone.stages.' + key[len('layers.'):]] = value
        elif key.startswith('head.'):
            out['head.fc.' + key[len('head.'):]] = value
        elif key == 'mask_token' or key.startswith('decoder_'):
            out[_convert_decoder_key(key)] = value
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'{source}: keys the authors\' MixMIM models do not have, so the '
                         f'conversion would lose them: {unknown[:10]}')
    check_backbone_keys(out, prefix='backbone.', source=source)
    return out
