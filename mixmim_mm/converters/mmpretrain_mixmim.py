"""MMPretrain ``MixMIM`` (``MixMIMTransformer`` / ``MixMIMPretrainTransformer``,
``MixMIMPretrainDecoder``) checkpoints -> ``MixMAE`` / ``MixMAESwinTransformer`` keys."""
import re
from collections import OrderedDict
from typing import Dict

import torch

from .checkpoint_io import check_keys
from .swin_keys import check_backbone_keys, detect_format

_SIGNATURE = ('backbone.patch_embed.projection.weight',
              'backbone.layers.0.blocks.0.attn.qkv.weight', 'backbone.layers.0.blocks.0.ln1.weight')
_HINTS = dict(
    official="it has the MixMIM authors' timm-style keys: use "
    'tools/model_converters/official_mixmim_to_mixmim_mm.py',
    mixmim_mm='it already has mixmim_mm keys and needs no conversion')


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


def _check_decoder_keys(state_dict: Dict[str, torch.Tensor], source: str) -> None:
    """Raise if the ``neck.`` keys are not those of a ``MixMAEDecoder`` (depth read from the
    keys); key names do not depend on widths, so a 4-channel decoder gives them."""
    from ..models.necks.mixmae_decoder import MixMAEDecoder
    neck = {k[len('neck.'):]: v for k, v in state_dict.items() if k.startswith('neck.')}
    blocks = [int(m.group(1)) for k in neck for m in [re.match(r'decoder_blocks\.(\d+)\.', k)] if m]
    decoder = MixMAEDecoder(
        in_channels=4,
        embed_dims=4,
        depth=max(blocks, default=-1) + 1,
        num_heads=1,
        patch_size=1,
        grid_size=(1, 1))
    check_keys(neck, decoder.state_dict(), f'{source} (decoder, "neck.")')


def convert_mmpretrain_mixmim(state_dict: Dict[str, torch.Tensor],
                              source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """Rename and reorder an MMPretrain MixMIM state dict.

    Works on full pretraining checkpoints (``backbone.``/``neck.`` prefixes), on
    classifiers (``backbone.``/``head.``), and on bare backbone state dicts.
    ``relative_position_index`` buffers are dropped (rebuilt at run time), the final
    ``norm`` becomes ``norm{last stage}``, the decoder's final ``ln1`` becomes
    ``decoder_norm``; decoder blocks keep MMPretrain's names (same module class).

    Args:
        state_dict (dict): An MMPretrain ``MixMIM`` / ``ImageClassifier`` state dict, or
            that of its ``MixMIMTransformer`` alone.
        source (str): Name used in error messages (e.g. the file path).

    Returns:
        dict: The converted state dict, with the input's prefixes.

    Raises:
        ValueError: If the keys are not those of an MMPretrain MixMIM model, or if the
            converted encoder (or decoder) is incomplete or has keys it would not load;
            the message lists the expected and the found keys.
    """
    fmt = detect_format(state_dict)
    if fmt != 'mmpretrain':
        found = sorted(state_dict)[:8]
        hint = f' ({_HINTS[fmt]})' if fmt in _HINTS else ''
        raise ValueError(
            f'{source} is not an MMPretrain MixMIM checkpoint{hint}: expected keys such as '
            f'{list(_SIGNATURE)} (or the same without "backbone."), found '
            f'{found}{" ..." if len(state_dict) > 8 else ""}')
    stages = [int(m.group(1)) for k in state_dict for m in [re.search(r'layers\.(\d+)\.', k)] if m]
    last_stage = max(stages, default=3)
    bare = not any(k.startswith(('backbone.', 'neck.', 'head.')) for k in state_dict)
    if not bare:
        # Parts of no MixMIM model (e.g. another model's keys mixed in) would be lost.
        unknown = [k for k in state_dict if not k.startswith(('backbone.', 'neck.', 'head.'))]
        if unknown:
            raise ValueError(f'{source}: keys outside "backbone.", "neck." and "head.", which '
                             f'no MMPretrain MixMIM model has: {unknown[:10]}')
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
    # Unknown backbone keys pass through unrenamed and are reported here as unexpected.
    check_backbone_keys(out, prefix='' if bare else 'backbone.', source=source)
    if any(k.startswith('neck.') for k in out):
        _check_decoder_keys(out, source)
    return out
