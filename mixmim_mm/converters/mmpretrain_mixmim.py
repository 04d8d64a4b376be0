"""MMPretrain ``MixMIM`` (``MixMIMTransformer`` / ``MixMIMPretrainTransformer``,
``MixMIMPretrainDecoder``) checkpoints -> ``MixMAE`` / ``MixMAESwinTransformer`` keys."""
import re
from collections import OrderedDict
from typing import Dict

import torch


def mmcv_merge_to_swin_order(channels: int) -> torch.Tensor:
    """Permutation taking mmcv ``PatchMerging`` (``nn.Unfold``) channel order to ours.

    mmcv orders the 4C merged channels as ``c*4 + row*2 + col``; ours (the original
    Swin and the authors' order) is ``k*C + c`` with ``k = col*2 + row``.
    """
    perm = torch.empty(4 * channels, dtype=torch.long)
    for k in range(4):
        row, col = k % 2, k // 2
        for c in range(channels):
            perm[k * channels + c] = c * 4 + row * 2 + col
    return perm


def _convert_backbone_key(name: str, value: torch.Tensor, last_stage: int):
    """Convert one key relative to the backbone (no ``backbone.`` prefix)."""
    name = name.replace('patch_embed.projection.', 'patch_embed.proj.')
    if name.startswith('norm.'):
        return f'norm{last_stage}.' + name[len('norm.'):], value
    merge = re.match(r'layers\.(\d+)\.downsample\.(.*)', name)
    if merge:
        # MMPretrain downsamples at the end of stage i, we at the start of stage i+1.
        stage, rest = int(merge.group(1)), merge.group(2)
        perm = mmcv_merge_to_swin_order(value.shape[-1] // 4)
        value = value[:, perm] if rest == 'reduction.weight' else value[perm]
        return f'stages.{stage + 1}.downsample.{rest}', value
    block = re.match(r'layers\.(\d+)\.blocks\.(\d+)\.(.*)', name)
    if block:
        rest = block.group(3)
        for old, new in (('ln1.', 'norm1.'), ('ln2.', 'norm2.'), ('ffn.layers.0.0.', 'mlp.fc1.'),
                         ('ffn.layers.1.', 'mlp.fc2.')):
            if rest.startswith(old):
                rest = new + rest[len(old):]
        return f'stages.{block.group(1)}.blocks.{block.group(2)}.{rest}', value
    return name, value


def convert_mmpretrain_mixmim(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Rename and reorder an MMPretrain MixMIM state dict.

    Works on full pretraining checkpoints (``backbone.``/``neck.`` prefixes), on
    classifiers (``backbone.``/``head.``), and on bare backbone state dicts.
    ``relative_position_index`` buffers are dropped (rebuilt at run time), the final
    ``norm`` becomes ``norm{last stage}``, the decoder's final ``ln1`` becomes
    ``decoder_norm``; decoder blocks keep MMPretrain's names (same module class).
    """
    stages = [int(m.group(1)) for k in state_dict for m in [re.search(r'layers\.(\d+)\.', k)] if m]
    last_stage = max(stages, default=3)
    bare = not any(k.startswith(('backbone.', 'neck.', 'head.')) for k in state_dict)
    out = OrderedDict()
    for key, value in state_dict.items():
        if key.endswith('relative_position_index'):
            continue
        if bare or key.startswith('backbone.'):
            prefix = '' if bare else 'backbone.'
            name, value = _convert_backbone_key(key[len(prefix):], value, last_stage)
            out[prefix + name] = value
        else:
            out[key.replace('neck.ln1.', 'neck.decoder_norm.')] = value
    return out
