"""The FastMIM authors' checkpoints (github.com/ggjy/FastMIM.pytorch, timm-style keys) -> our keys.

Five kinds of checkpoint, told apart by their keys (:func:`detect_official_fastmim`):

* ``vit-pretrain`` (``mim_vit_pretrain.py``) -> :class:`FastMIM` with ``FastMIMViT`` and
  :class:`FastMIMDecoder`;
* ``swin-pretrain`` (``mim_swin_pretrain.py``, encoder under ``encoder.``) -> :class:`FastMIM`
  with MMPretrain's ``SwinTransformer`` and :class:`FastMIMDecoder`;
* ``vit-finetune`` (``models_vit.py``), ``swin-finetune`` (``mim_swin_finetune.py``) and
  ``pvtv2-finetune`` (``mim_pvtv2_finetune.py``) -> MMPretrain ``ImageClassifier`` with
  MMPretrain's ``VisionTransformer`` / ``SwinTransformer`` or mmdet's
  ``PyramidVisionTransformerV2`` and a ``LinearClsHead``.

==============================================  =============================================
authors                                         ours
==============================================  =============================================
``patch_embed.proj``                            ``backbone.patch_embed.projection``
``cls_token``, ``pos_embed`` (ViT)              ``backbone.cls_token``, ``backbone.pos_embed``
``blocks.{i}.norm1/attn.qkv/attn.proj/norm2``   ``backbone.layers.{i}.ln1/attn.qkv/attn.proj/
                                                ln2``
``blocks.{i}.mlp.fc1`` / ``mlp.fc2``            ``....ffn.layers.0.0`` / ``ffn.layers.1``
``norm`` (ViT: pretraining, class-token FT)     ``backbone.ln1`` (``final_norm=True``)
``fc_norm`` (ViT, global-pool fine-tuning)      ``backbone.ln2`` (``out_type='avg_featmap'``,
                                                which also normalises the mean patch token)
``layers.{i}.blocks.{j}.attn.qkv/proj/          ``backbone.stages.{i}.blocks.{j}.attn.w_msa.
relative_position_bias_table`` (Swin)           qkv/proj/relative_position_bias_table``
``layers.{i}.blocks.{j}.mlp.fc1/fc2``           ``....ffn.layers.0.0`` / ``ffn.layers.1``
``layers.{i}.blocks.{j}.attn.                   checked against the Swin formula for the
relative_position_index``                       table's window, then written as ours (the same
                                                function); made when absent
``layers.{i}.blocks.{j}.attn_mask``             dropped: a function of the feature size,
                                                window and shift; MMPretrain builds it in
                                                ``forward``
``layers.{i}.downsample.reduction/norm``        ``backbone.stages.{i}.downsample.*``, input
                                                channels reordered
                                                (:func:`patch_merging_timm_to_unfold`)
``norm`` (Swin pretraining), ``fc_norm``        ``backbone.norm{last stage}``; the authors
(Swin fine-tuning)                              normalise then average, as ours does
                                                (``norm3`` then ``GlobalAveragePooling``)
``patch_embed{s}``, ``block{s}.{j}``,           ``backbone.layers.{s-1}.0`` / ``.1.{j}`` /
``norm{s}`` (PVTv2)                             ``.2`` (mmdet's ``pvt_convert`` layout)
``block{s}.{j}.attn.q`` + ``attn.kv``           ``....attn.attn.in_proj_*`` (q, then k, v)
``block{s}.{j}.attn.proj``                      ``....attn.attn.out_proj``
``block{s}.{j}.mlp.fc1/dwconv.dwconv/fc2``      ``....ffn.layers.0/1/4`` (1x1 convolutions)
``head``                                        ``head.fc``
``decoder_embed``, ``decoder_blocks.{i}``,      ``neck.*`` of :class:`FastMIMDecoder`, the
``decoder_norm``, ``decoder_pred``              blocks renamed as the ViT blocks
``mask_token`` ``(1, 3, 1, 1)``                 ``mask_token`` of :class:`FastMIM`
==============================================  =============================================

A key outside these tables, a missing weight or a foreign checkpoint raises a ``ValueError``
naming the file and the first offending key; nothing is dropped silently. Importing this
module (``import mixmim_mm`` does) registers the conversion with the loud pretrained loader, so
``init_cfg=dict(type='Pretrained', checkpoint=<authors' file>, prefix='backbone.')`` on
``FastMIMViT``, ``LoudVisionTransformer``, ``LoudSwinTransformer`` and
``LoudPyramidVisionTransformerV2`` converts on the fly.
"""
import functools
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from ..models.utils.pretrained import register_checkpoint_format

KINDS = ('vit-pretrain', 'swin-pretrain', 'vit-finetune', 'swin-finetune', 'pvtv2-finetune')

# Placeholders of the key templates below: block and stage indices (the same number on both
# sides, except a PVT stage {s}, which the authors count from 1 and mmdet from 0), the
# parameter name, and {n}, the last Swin stage (known from the checkpoint, not matched).
_FIELDS = {'i': r'\d+', 'j': r'\d+', 's': r'\d+', 'p': r'weight|bias'}

_VIT_BLOCK = (
    ('norm1.{p}', 'ln1.{p}'),
    ('attn.qkv.{p}', 'attn.qkv.{p}'),
    ('attn.proj.{p}', 'attn.proj.{p}'),
    ('norm2.{p}', 'ln2.{p}'),
    ('mlp.fc1.{p}', 'ffn.layers.0.0.{p}'),
    ('mlp.fc2.{p}', 'ffn.layers.1.{p}'),
)
_SWIN_BLOCK = (
    ('norm1.{p}', 'norm1.{p}'),
    ('attn.qkv.{p}', 'attn.w_msa.qkv.{p}'),
    ('attn.proj.{p}', 'attn.w_msa.proj.{p}'),
    ('attn.relative_position_bias_table', 'attn.w_msa.relative_position_bias_table'),
    ('attn.relative_position_index', 'attn.w_msa.relative_position_index'),
    ('norm2.{p}', 'norm2.{p}'),
    ('mlp.fc1.{p}', 'ffn.layers.0.0.{p}'),
    ('mlp.fc2.{p}', 'ffn.layers.1.{p}'),
)
_PVT_BLOCK = (
    ('norm1.{p}', 'norm1.{p}'),
    # q and kv both feed nn.MultiheadAttention's packed in_proj (joined after renaming).
    ('attn.q.{p}', 'attn.attn.in_proj_{p}'),
    ('attn.kv.{p}', 'attn.attn.in_proj_{p}'),
    ('attn.proj.{p}', 'attn.attn.out_proj.{p}'),
    ('attn.sr.{p}', 'attn.sr.{p}'),
    ('attn.norm.{p}', 'attn.norm.{p}'),
    ('norm2.{p}', 'norm2.{p}'),
    ('mlp.fc1.{p}', 'ffn.layers.0.{p}'),
    ('mlp.dwconv.dwconv.{p}', 'ffn.layers.1.{p}'),
    ('mlp.fc2.{p}', 'ffn.layers.4.{p}'),
)


def _nest(authors: str, ours: str, rules) -> tuple:
    return tuple((authors + a, ours + o) for a, o in rules)


_HEAD = (('head.{p}', 'head.fc.{p}'), )
_DECODER = (
    ('decoder_embed.{p}', 'neck.decoder_embed.{p}'),
    *_nest('decoder_blocks.{i}.', 'neck.decoder_blocks.{i}.', _VIT_BLOCK),
    ('decoder_norm.{p}', 'neck.decoder_norm.{p}'),
    ('decoder_pred.{p}', 'neck.decoder_pred.{p}'),
    ('mask_token', 'mask_token'),
)
_VIT_ENCODER = (
    ('patch_embed.proj.{p}', 'backbone.patch_embed.projection.{p}'),
    ('cls_token', 'backbone.cls_token'),
    ('pos_embed', 'backbone.pos_embed'),
    *_nest('blocks.{i}.', 'backbone.layers.{i}.', _VIT_BLOCK),
    ('norm.{p}', 'backbone.ln1.{p}'),
)
_SWIN_ENCODER = (
    ('patch_embed.proj.{p}', 'backbone.patch_embed.projection.{p}'),
    ('patch_embed.norm.{p}', 'backbone.patch_embed.norm.{p}'),
    *_nest('layers.{i}.blocks.{j}.', 'backbone.stages.{i}.blocks.{j}.', _SWIN_BLOCK),
    ('layers.{i}.downsample.reduction.weight', 'backbone.stages.{i}.downsample.reduction.weight'),
    ('layers.{i}.downsample.norm.{p}', 'backbone.stages.{i}.downsample.norm.{p}'),
)
_PVT_ENCODER = (
    ('patch_embed{s}.proj.{p}', 'backbone.layers.{s}.0.projection.{p}'),
    ('patch_embed{s}.norm.{p}', 'backbone.layers.{s}.0.norm.{p}'),
    *_nest('block{s}.{j}.', 'backbone.layers.{s}.1.{j}.', _PVT_BLOCK),
    ('norm{s}.{p}', 'backbone.layers.{s}.2.{p}'),
)
# (authors' template, our template) pairs of each kind; the first match renames a key.
RULES = dict([
    ('vit-pretrain', _VIT_ENCODER + _DECODER),
    ('vit-finetune', _VIT_ENCODER + (('fc_norm.{p}', 'backbone.ln2.{p}'), ) + _HEAD),
    ('swin-pretrain', _nest('encoder.', '', _SWIN_ENCODER) +
     (('encoder.norm.{p}', 'backbone.norm{n}.{p}'), ) + _DECODER),
    ('swin-finetune', _SWIN_ENCODER + (('fc_norm.{p}', 'backbone.norm{n}.{p}'), ) + _HEAD),
    ('pvtv2-finetune', _PVT_ENCODER + _HEAD),
])
# The family of authors' checkpoints each loud backbone class converts on the fly.
_FAMILIES = {
    'FastMIMViT': 'vit',
    'LoudVisionTransformer': 'vit',
    'LoudSwinTransformer': 'swin',
    'LoudPyramidVisionTransformerV2': 'pvtv2',
}
# The shifted-window masks of the authors' Swin blocks (buffers of shifted blocks only).
_ATTN_MASK = re.compile(r'(encoder\.)?layers\.\d+\.blocks\.\d+\.attn_mask')
# timm's PatchMerging concatenates the 2x2 neighbours (row, col offsets) as (0,0), (1,0),
# (0,1), (1,1); MMPretrain's nn.Unfold orders them (0,0), (0,1), (1,0), (1,1).
# _UNFOLD_TO_TIMM[m] is the authors' position of our neighbour m.
_UNFOLD_TO_TIMM = (0, 2, 1, 3)


@functools.lru_cache(maxsize=None)
def _regex(template: str, fixed: Tuple[Tuple[str, str], ...]) -> re.Pattern:
    fixed = dict(fixed)
    parts = re.split(r'\{(\w)\}', template)
    pattern = ''
    for k, part in enumerate(parts):
        if k % 2 == 0:
            pattern += re.escape(part)
        elif part in fixed:
            pattern += re.escape(fixed[part])
        else:
            pattern += f'(?P<{part}>{_FIELDS[part]})'
    return re.compile(pattern)


def _translate(key: str, rules, fixed: Dict[str, str], to_ours: bool = True) -> Optional[str]:
    """``key`` renamed by the first matching rule (authors' -> ours, or back); None if none."""
    frozen = tuple(sorted(fixed.items()))
    for authors, ours in rules:
        source, target = (authors, ours) if to_ours else (ours, authors)
        match = _regex(source, frozen).fullmatch(key)
        if match:
            values = dict(fixed, **match.groupdict())
            if 's' in match.groupdict():
                values['s'] = str(int(values['s']) + (-1 if to_ours else 1))
            return target.format(**values)
    return None


def detect_official_fastmim(state_dict: Dict[str, torch.Tensor]) -> Optional[str]:
    """The kind of an authors' FastMIM checkpoint (one of :data:`KINDS`), or None.

    Read off the encoder's key names only; whether every key fits is checked by
    :func:`convert_official_fastmim`.

    Args:
        state_dict (dict): A state dict (the authors' ``checkpoint['model']``).
    """
    keys = list(state_dict)
    if any(re.match(r'encoder\.layers\.\d+\.blocks\.\d+\.', k) for k in keys):
        return 'swin-pretrain'
    if any(re.match(r'layers\.\d+\.blocks\.\d+\.', k) for k in keys):
        return 'swin-finetune'
    if any(re.match(r'block[1-9]\.\d+\.attn\.(q|kv)\.', k) for k in keys):
        return 'pvtv2-finetune'
    if any(re.match(r'blocks\.\d+\.attn\.qkv\.', k) for k in keys):
        pretrain = any(k == 'mask_token' or k.startswith('decoder_') for k in keys)
        return 'vit-pretrain' if pretrain else 'vit-finetune'
    return None


def patch_merging_timm_to_unfold(tensor: torch.Tensor) -> torch.Tensor:
    """Reorder the ``4C`` input channels of a patch merging's ``reduction`` weight
    ``(out, 4C)`` or ``norm`` parameter ``(4C,)`` from timm's order to MMPretrain's.

    timm (the authors' Swin) builds the merged token as ``cat([x0, x1, x2, x3])`` with
    ``x0 = x[0::2, 0::2]``, ``x1 = x[1::2, 0::2]``, ``x2 = x[0::2, 1::2]``,
    ``x3 = x[1::2, 1::2]``: channel ``k*C + c`` is channel ``c`` of the neighbour at offset
    ``(row, col) = (k % 2, k // 2)``. MMPretrain's ``PatchMerging`` uses ``nn.Unfold(2, 2)``,
    whose channel ``c*4 + 2*row + col`` is that of the neighbour at ``(row, col)``. So our
    channel ``c*4 + m`` is the authors' ``[0, 2, 1, 3][m]*C + c``. The LayerNorm before the
    reduction is elementwise per channel, so permuting its weight and bias the same way keeps
    the block exactly equivalent.

    Args:
        tensor (Tensor): The authors' weight, its last dimension the ``4C`` inputs.

    Returns:
        Tensor: The same values in MMPretrain's input-channel order.
    """
    channels = tensor.shape[-1]
    if channels % 4:
        raise ValueError(f'a patch-merging input dimension must be 4*C, got {channels}')
    grouped = tensor.reshape(*tensor.shape[:-1], 4, channels // 4)[..., _UNFOLD_TO_TIMM, :]
    return grouped.transpose(-1, -2).reshape(tensor.shape).contiguous()


def swin_relative_position_index(window: int) -> torch.Tensor:
    """The ``(window**2, window**2)`` index into a Swin relative-position table (the Swin
    paper's, used by timm, the authors and MMPretrain): for tokens ``a`` and ``b`` of a
    window, ``(ya - yb + window - 1) * (2*window - 1) + (xa - xb + window - 1)``.

    Args:
        window (int): Window side.
    """
    ys, xs = torch.meshgrid(torch.arange(window), torch.arange(window), indexing='ij')
    ys, xs = ys.flatten(), xs.flatten()
    dy = ys[:, None] - ys[None, :] + window - 1
    dx = xs[:, None] - xs[None, :] + window - 1
    return dy * (2 * window - 1) + dx


def _fill_relative_position_index(out: Dict[str, torch.Tensor], source: str) -> None:
    """Check each block's authors' index against the formula for its table; add it if absent.

    Loading an index blindly could pair a table with another layout; an equal index makes
    the table mean the same in our blocks (MMPretrain builds the same index)."""
    for key in [k for k in out if k.endswith('relative_position_bias_table')]:
        rows = out[key].shape[0]
        side = int(round(rows**0.5))
        if side * side != rows or side % 2 == 0:
            raise ValueError(f'{source}: {key} has {rows} rows, not (2*window - 1)**2')
        expected = swin_relative_position_index((side + 1) // 2)
        index_key = key.replace('relative_position_bias_table', 'relative_position_index')
        found = out.get(index_key)
        if found is not None and not torch.equal(found.long(), expected):
            raise ValueError(f"{source}: the authors' relative_position_index for {index_key} "
                             f'is not the Swin index of a {(side + 1) // 2}-token window; '
                             'its relative-position table would be read wrongly')
        out[index_key] = expected


def _indices(keys: Sequence[str], pattern: str) -> List[int]:
    """The integers the group of ``pattern`` captures at the start of ``keys``."""
    return [int(m.group(1)) for k in keys for m in [re.match(pattern, k)] if m]


def _count(keys: Sequence[str], pattern: str) -> int:
    return max(_indices(keys, pattern), default=-1) + 1


def expected_keys(kind: str, converted: Dict[str, torch.Tensor]) -> List[str]:
    """The keys our model of ``kind`` has, with the layout (depths, norms) of ``converted``.

    Key names do not depend on widths, so 4-channel models (built in milliseconds) give them.

    Args:
        kind (str): One of :data:`KINDS`.
        converted (dict): The converted state dict (our keys).
    """
    keys = list(converted)
    if kind.startswith('vit'):
        from mmpretrain.models.backbones import VisionTransformer
        global_pool = kind == 'vit-finetune' and 'backbone.ln1.weight' not in converted
        backbone = VisionTransformer(
            arch=dict(
                embed_dims=4,
                num_layers=_count(keys, r'backbone\.layers\.(\d+)\.'),
                num_heads=1,
                feedforward_channels=4),
            img_size=4,
            patch_size=4,
            out_type='avg_featmap' if global_pool else 'cls_token',
            final_norm=not global_pool)
    elif kind.startswith('swin'):
        from mmpretrain.models.backbones import SwinTransformer
        stages = _count(keys, r'backbone\.stages\.(\d+)\.')
        depths = [
            max(_count(keys, rf'backbone\.stages\.{i}\.blocks\.(\d+)\.'), 1) for i in range(stages)
        ]
        backbone = SwinTransformer(
            arch=dict(embed_dims=4, depths=depths, num_heads=[1] * stages),
            img_size=4 * 2**(stages - 1),
            window_size=1,
            out_indices=(stages - 1, ))
    else:
        from mmdet.models.backbones.pvt import PyramidVisionTransformerV2
        depths = [max(_count(keys, rf'backbone\.layers\.{s}\.1\.(\d+)\.'), 1) for s in range(4)]
        # Spatial reduction exists only in stages with sr_ratio > 1.
        srs = [2 if f'backbone.layers.{s}.1.0.attn.sr.weight' in converted else 1 for s in range(4)]
        backbone = PyramidVisionTransformerV2(
            embed_dims=4, num_layers=depths, num_heads=[1] * 4, sr_ratios=srs, mlp_ratios=[1] * 4)
    expected = ['backbone.' + k for k in backbone.state_dict()]
    if kind.endswith('pretrain'):
        from ..models.necks.fastmim_decoder import FastMIMDecoder
        decoder = FastMIMDecoder(
            in_channels=4,
            out_channels=4,
            embed_dims=4,
            depth=_count(keys, r'neck\.decoder_blocks\.(\d+)\.'),
            num_heads=1)
        expected += ['neck.' + k for k in decoder.state_dict()] + ['mask_token']
    else:
        expected += ['head.fc.weight', 'head.fc.bias']
    return expected


def _refuse_foreign(state_dict: Dict[str, torch.Tensor], source: str):
    first = next(iter(state_dict), None)
    raise ValueError(
        f"{source} is not a checkpoint of the FastMIM authors (ggjy/FastMIM.pytorch): its first "
        f'key {first!r} is not in the layout of any of their models (expected keys such as '
        '"blocks.0.attn.qkv.weight" (ViT), "encoder.layers.0.blocks.0.attn.qkv.weight" or '
        '"layers.0.blocks.0.attn.qkv.weight" (Swin), "block1.0.attn.q.weight" (PVTv2)); found '
        f'{list(state_dict)[:8]}{" ..." if len(state_dict) > 8 else ""}')


def convert_official_fastmim(state_dict: Dict[str, torch.Tensor],
                             kind: Optional[str] = None,
                             source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """Convert an authors' FastMIM state dict (see the module's table) to our keys.

    Args:
        state_dict (dict): The authors' ``checkpoint['model']``.
        kind (str, optional): One of :data:`KINDS`; detected from the keys when None, and
            checked against them otherwise.
        source (str): Name used in error messages (e.g. the file path).

    Returns:
        dict: ``backbone.*`` keys plus ``neck.*`` and ``mask_token`` (a pretraining
        checkpoint, for ``FastMIM``) or ``head.fc.*`` (a classifier, for ``ImageClassifier``).

    Raises:
        ValueError: If the checkpoint is not the authors' (or not of ``kind``), holds a key
            their model of that kind does not have, or lacks a weight of ours; the message
            names ``source`` and the first offending key.
    """
    detected = detect_official_fastmim(state_dict)
    if detected is None:
        _refuse_foreign(state_dict, source)
    if kind is not None and kind != detected:
        if kind not in KINDS:
            raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')
        raise ValueError(f"{source} is an authors' FastMIM {detected} checkpoint, not {kind}")
    kind = detected
    # {n}: the last Swin stage, whose output norm the authors call norm / fc_norm.
    fixed = dict(n=str(max(_indices(state_dict, r'(?:encoder\.)?layers\.(\d+)\.'), default=0)))
    rules = RULES[kind]

    out, in_proj, unknown = OrderedDict(), {}, []
    for key, value in state_dict.items():
        if kind.startswith('swin') and _ATTN_MASK.fullmatch(key):
            continue
        new = _translate(key, rules, fixed)
        if new is None:
            unknown.append(key)
        elif '.attn.attn.in_proj_' in new:
            in_proj.setdefault(new, {})['kv' if '.attn.kv.' in key else 'q'] = (key, value)
        else:
            out[new] = value
    if unknown:
        raise ValueError(f"{source}: key {unknown[0]!r} is not in the authors' FastMIM {kind} "
                         f'model, so converting would lose it ({len(unknown)} such keys: '
                         f'{unknown[:10]}{" ..." if len(unknown) > 10 else ""})')

    for new, parts in in_proj.items():
        if set(parts) != {'q', 'kv'}:
            have, = parts.values()
            other = have[0].replace('.attn.q.', '.attn.kv.') if 'q' in parts else \
                have[0].replace('.attn.kv.', '.attn.q.')
            raise ValueError(f'{source} lacks {other!r}, the other half of {new!r}')
        # nn.MultiheadAttention packs q, k, v; the authors' kv Linear holds k then v.
        out[new] = torch.cat([parts['q'][1], parts['kv'][1]])
    for key in list(out):
        if kind == 'pvtv2-finetune' and re.search(r'ffn\.layers\.[04]\.weight$', key):
            weight = out[key]  # Linear (out, in) -> 1x1 Conv2d (out, in, 1, 1)
            out[key] = weight.reshape(weight.shape[0], weight.shape[1], 1, 1)
        elif kind == 'pvtv2-finetune' and key.endswith('attn.sr.weight') and \
                out[key].shape[-1] == 1:
            raise ValueError(f'{source}: {key} is a 1x1 convolution, the linear spatial '
                             "reduction of PVTv2-li, which mmdet's PVTv2 does not have")
        elif re.search(r'\.downsample\.(reduction\.weight|norm\.weight|norm\.bias)$', key):
            out[key] = patch_merging_timm_to_unfold(out[key])
    if kind.startswith('swin'):
        _fill_relative_position_index(out, source)
    mask_token = out.get('mask_token')
    if mask_token is not None and tuple(mask_token.shape) != (1, 3, 1, 1):
        raise ValueError(f'{source}: mask_token has shape {tuple(mask_token.shape)}; FastMIM '
                         "masks pixels with one RGB value, (1, 3, 1, 1) (MAE's token is "
                         '(1, 1, C): is this an MAE checkpoint?)')

    expected = expected_keys(kind, out)
    missing = [k for k in expected if k not in out]
    extra = [k for k in out if k not in set(expected)]
    if missing or extra:
        first = missing[0] if missing else extra[0]
        authors = _translate(first, rules, fixed, to_ours=False)
        raise ValueError(
            f"{source} is not a complete authors' FastMIM {kind} checkpoint: "
            f'{"it lacks" if missing else "it has an extra"} {first!r}'
            f"{f' (authors key {authors!r})' if authors else ''}; missing ({len(missing)}): "
            f'{missing[:10]}, unexpected ({len(extra)}): {extra[:10]}')
    return out


def _loader_format(family: str) -> Callable:
    """The loud loader's converter for backbones of one family (ViT, Swin or PVTv2)."""

    def official_fastmim_format(state_dict: Dict[str, torch.Tensor],
                                source: str) -> Optional[Dict[str, torch.Tensor]]:
        kind = detect_official_fastmim(state_dict)
        if kind is None:
            return None
        if not kind.startswith(family + '-'):
            raise ValueError(f"{source} is an authors' FastMIM {kind} checkpoint; a {family} "
                             'backbone cannot load it')
        return convert_official_fastmim(state_dict, kind, source)

    official_fastmim_format.__name__ = f'official_fastmim_{family}_format'
    return official_fastmim_format


_CONVERTERS = {family: _loader_format(family) for family in sorted(set(_FAMILIES.values()))}
for _backbone, _family in _FAMILIES.items():
    register_checkpoint_format(_backbone, _CONVERTERS[_family])
