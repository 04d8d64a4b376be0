"""Encoders of MixMAE pretraining on PVT, Twins-SVT and ViT -> OpenMMLab's own backbones.

Our encoders keep OpenMMLab's weight layout, so conversion is a key map:

* ``pvt`` -> mmdet ``PyramidVisionTransformer``: drop ``norm_out.`` (the pretraining output
  norm);
* ``svt`` -> MMPretrain ``SVT`` (also usable in mmdet configs): no change;
* ``svt`` -> mmseg ``SVT`` (``target='mmseg'``, ``qkv_bias=True`` as mmseg's configs):
  ``stages.`` -> ``layers.``, ``norm_after_stage{i}.`` -> ``norm_list.{i}.``, and in the
  global attention ``q`` + ``kv`` -> the packed ``attn.in_proj_*`` and ``proj`` ->
  ``attn.out_proj``; q/k/v biases our model does not have become zeros (the same function);
* ``vit`` -> MMPretrain ``VisionTransformer`` (``with_cls_token=False``): no change.

The result is checked against the keys of the target class built with the layout read off
the checkpoint; per-stage output norms that only the downstream model has (mmseg's
``norm_list``, ``norm_after_stage0-2``) are the only keys allowed to be absent.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from .checkpoint_io import check_keys

ENCODERS = ('pvt', 'svt', 'vit')
TARGETS = {'pvt': ('mmdet', ), 'svt': ('mmpretrain', 'mmseg'), 'vit': ('mmpretrain', )}
# Output norms a downstream backbone may add; fresh (ones/zeros) when not pretrained.
DOWNSTREAM_ONLY = re.compile(r'^(norm_list\.\d+\.|norm_after_stage\d+\.)')


def encoder_tensors(state_dict: Dict[str, torch.Tensor], prefix: Optional[str],
                    source: str) -> Dict[str, torch.Tensor]:
    """The ``prefix`` entries (auto ``'backbone.'`` for a whole model), prefix removed."""
    if prefix is None:
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in state_dict) else ''
    out = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items() if k.startswith(prefix))
    if not out:
        raise ValueError(f'no key of {source} starts with prefix={prefix!r}')
    return out


def _stage_layout(keys, block_re: str, sr_key: str, state) -> Tuple[list, list]:
    depths, srs = {}, {}
    for k in keys:
        m = re.match(block_re, k)
        if m:
            stage, block = int(m.group(1)), int(m.group(2))
            depths[stage] = max(depths.get(stage, 0), block + 1)
            if k.endswith(sr_key):
                srs[stage] = state[k].shape[-1]
    if not depths or sorted(depths) != list(range(len(depths))):
        raise ValueError(f'cannot read the stage layout from the keys {sorted(keys)[:8]}')
    return [depths[i] for i in range(len(depths))], [srs.get(i, 1) for i in range(len(depths))]


def expected_keys(encoder: str, target: str, state: Dict[str, torch.Tensor]):
    """Keys of the target class with the stage layout of ``state`` (our encoder's keys).

    Key names do not depend on widths, so a 4-channel model (built in milliseconds) gives
    them exactly.
    """
    if encoder == 'pvt':
        from mmdet.models.backbones.pvt import PyramidVisionTransformer
        depths, srs = _stage_layout(state, r'layers\.(\d+)\.1\.(\d+)\.', 'attn.sr.weight', state)
        pos = any(k.endswith('.pos_embed') for k in state)
        depths = [d - pos for d in depths]
        n = len(depths)
        model = PyramidVisionTransformer(
            pretrain_img_size=32 * 2**n,
            embed_dims=4,
            num_layers=depths,
            num_heads=[1] * n,
            sr_ratios=srs,
            mlp_ratios=[1] * n,
            use_abs_pos_embed=pos,
            norm_after_stage=any(re.match(r'layers\.\d+\.2\.', k) for k in state))
        return list(model.state_dict())
    if encoder == 'svt':
        depths, srs = _stage_layout(state, r'stages\.(\d+)\.(\d+)\.', 'attn.sr.weight', state)
        n = len(depths)
        arch = dict(
            embed_dims=[4] * n,
            depths=depths,
            num_heads=[1] * n,
            patch_sizes=[4] + [2] * (n - 1),
            strides=[4] + [2] * (n - 1),
            mlp_ratios=[1] * n,
            sr_ratios=srs,
            window_sizes=[1] * n)
        if target == 'mmseg':
            from mmseg.models.backbones.twins import SVT
            arch.pop('patch_sizes')
            arch['windiow_sizes'] = arch.pop('window_sizes')  # mmseg's spelling
            return list(SVT(**arch, qkv_bias=True, norm_after_stage=True).state_dict())
        from mmpretrain.models.backbones import SVT
        norms = [f'norm_after_stage{i}.weight' in state for i in range(n)]
        return list(SVT(arch, norm_after_stage=norms).state_dict())
    from mmpretrain.models.backbones import VisionTransformer
    depth = 1 + max(int(m.group(1)) for k in state for m in [re.match(r'layers\.(\d+)\.', k)] if m)
    model = VisionTransformer(
        arch=dict(embed_dims=4, num_layers=depth, num_heads=1, feedforward_channels=4),
        img_size=32,
        patch_size=16,
        with_cls_token=False,
        out_type='featmap',
        final_norm='ln1.weight' in state)
    return list(model.state_dict())


def convert_mixmae_encoder(state_dict: Dict[str, torch.Tensor],
                           encoder: str,
                           target: Optional[str] = None,
                           prefix: Optional[str] = None,
                           source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """Our ``MixMAEPVT`` / ``MixMAESVT`` / ``MixMAEViT`` weights in a target's layout.

    Args:
        state_dict (dict): A pretraining or classification checkpoint's state dict, or a
            bare encoder state dict.
        encoder (str): ``'pvt'``, ``'svt'`` or ``'vit'``.
        target (str, optional): The package whose class loads the result (see
            :data:`TARGETS`); the first one when None.
        prefix (str, optional): The encoder's key prefix; ``'backbone.'`` for a whole model
            when None.
        source (str): Name used in error messages (e.g. the file path).

    Raises:
        ValueError: If the encoder or target is unknown, or the converted keys do not
            make a complete target backbone (missing and unexpected keys listed).
    """
    if encoder not in TARGETS:
        raise ValueError(f'encoder must be one of {ENCODERS}, got {encoder!r}')
    target = target or TARGETS[encoder][0]
    if target not in TARGETS[encoder]:
        raise ValueError(f'encoder {encoder!r} converts to {TARGETS[encoder]}, not {target!r}')
    state = encoder_tensors(state_dict, prefix, source)
    expected = expected_keys(encoder, target, state)
    if encoder == 'svt' and target == 'mmseg':
        out = svt_to_mmseg(state)
    else:
        # norm_out: the pretraining output norm of MixMAEPVT; mmdet's PVT has none.
        out = OrderedDict((k, v) for k, v in state.items() if not k.startswith('norm_out.'))
    present = set(out)
    check_keys(out, [k for k in expected if k in present or not DOWNSTREAM_ONLY.match(k)], source)
    return out


def svt_to_mmseg(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """MMPretrain ``SVT`` keys -> mmseg ``SVT(qkv_bias=True)`` keys (see the module table)."""
    out = OrderedDict()
    for key, value in state.items():
        new = re.sub(r'^stages\.', 'layers.', key)
        new = re.sub(r'^norm_after_stage(\d+)\.', r'norm_list.\1.', new)
        m = re.match(r'(layers\.\d+\.\d+\.attn\.)(q|kv|proj|qkv)\.weight$', new)
        if m is None:
            if not re.search(r'\.attn\.(q|kv|proj|qkv)\.bias$', new):
                out[new] = value
            continue
        attn, name = m.groups()
        old = key[:-len(f'{name}.weight')]

        def bias(n, width):
            b = state.get(f'{old}{n}.bias')
            return torch.zeros(width, dtype=value.dtype) if b is None else b

        c = value.shape[1]
        if name == 'q':  # global sub-sampled attention: one packed in-projection
            out[attn + 'attn.in_proj_weight'] = torch.cat([value, state[old + 'kv.weight']])
            out[attn + 'attn.in_proj_bias'] = torch.cat([bias('q', c), bias('kv', 2 * c)])
        elif name == 'proj' and old + 'q.weight' in state:
            out[attn + 'attn.out_proj.weight'] = value
            out[attn + 'attn.out_proj.bias'] = bias('proj', c)
        elif name in ('proj', 'qkv'):  # locally-grouped attention keeps its names
            out[attn + name + '.weight'] = value
            out[attn + name + '.bias'] = bias(name, value.shape[0])
    return out
