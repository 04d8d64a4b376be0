"""The MixMAE encoder on Twins-SVT: masked local and global sub-sampled attention."""
import re
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.twins import SVT, GSAEncoderLayer, LSAEncoderLayer
from mmpretrain.registry import MODELS

from ..utils.group_attention import attend_within_groups, spatial_reduction_layouts, split_heads
from ..utils.group_layout import GroupLayout
from ..utils.mask_sampling import upsample_group_ids
from ..utils.mixing import mix_images
from ..utils.pretrained import LoudPretrainedMixin
from ..utils.window_attention import same_group_mask, window_partition, window_reverse
from .mixing_encoder import MixingEncoder, pyramid_layer_depth


def lsa_within_groups(attn: nn.Module, x: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Twins' locally-grouped self-attention where a token sees only its own image.

    ``x`` is ``(B, H, W, C)``, ``ids`` ``(B, H, W)``. Maps not divisible by the window
    are zero-padded as MMPretrain does; padding is a group of its own (-1).
    """
    b, h, w, c = x.shape
    ws = attn.window_size
    pad_h, pad_w = (-h) % ws, (-w) % ws
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
        ids = F.pad(ids, (0, pad_w, 0, pad_h), value=-1)
    window = (ws, ws)
    tokens = window_partition(x, window)
    mask = same_group_mask(window_partition(ids, window), dtype=x.dtype)
    n = tokens.shape[1]
    qkv = attn.qkv(tokens).view(-1, n, 3, attn.num_heads, c // attn.num_heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    out = F.scaled_dot_product_attention(
        q,
        k,
        v,
        attn_mask=mask,
        scale=attn.scale,
        dropout_p=attn.attn_drop.p if attn.training else 0.)
    out = window_reverse(out.transpose(1, 2).reshape(-1, n, c), window, x.shape[1:3])
    return attn.proj_drop(attn.proj(out[:, :h, :w]))


def gsa_within_groups(attn: nn.Module, x: torch.Tensor, hw, q_layout: GroupLayout,
                      k_layout: GroupLayout) -> torch.Tensor:
    """Twins' global sub-sampled attention where a token sees only keys of its image."""
    b, n, c = x.shape
    q = split_heads(attn.q(x), attn.num_heads)
    kv = x
    if attn.sr_ratio > 1:
        kv = attn.sr(x.transpose(1, 2).reshape(b, c, *hw)).flatten(2).transpose(1, 2)
        kv = attn.norm(kv)
    k, v = attn.kv(kv).chunk(2, dim=-1)
    out = attend_within_groups(
        q,
        split_heads(k, attn.num_heads),
        split_heads(v, attn.num_heads),
        q_layout,
        k_layout,
        dropout=attn.attn_drop if attn.training else 0.)
    return attn.out_drop(attn.proj_drop(attn.proj(out)))


def cpe_within_groups(cpe: nn.Module, x: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Conditional position encoding that does not reach across images.

    Each token gets what its image alone would get with zeros where the other images'
    tokens are: the 3x3 depthwise convolution is written out tap by tap, and a tap
    whose neighbour belongs to another image (or lies outside the map) contributes
    nothing. One pass over the mixed map instead of one convolution per image.

    Args:
        cpe (nn.Module): MMPretrain's ``ConditionalPositionEncoding`` (stride 1).
        x (torch.Tensor): ``(B, H, W, C)`` tokens.
        ids (torch.Tensor): ``(B, H, W)`` group ids.
    """
    if cpe.stride != 1:
        raise ValueError(f'cpe_within_groups needs a stride-1 position encoding, got '
                         f'stride={cpe.stride}')
    b, h, w, c = x.shape
    weight = cpe.proj.weight.view(c, 9).t()  # (taps, C), row 4 is the centre
    padded = F.pad(x, (0, 0, 1, 1, 1, 1))
    padded_ids = F.pad(ids, (1, 1, 1, 1), value=-1)
    out = x * (weight[4] + 1)  # the centre tap and the residual: always the same image
    if cpe.proj.bias is not None:
        out = out + cpe.proj.bias
    for tap in (0, 1, 2, 3, 5, 6, 7, 8):
        dy, dx = divmod(tap, 3)
        same = (padded_ids[:, dy:dy + h, dx:dx + w] == ids)[..., None]
        out = out + torch.where(same, padded[:, dy:dy + h, dx:dx + w], 0.) * weight[tap]
    return out


@MODELS.register_module()
class MixMAESVT(LoudPretrainedMixin, MixingEncoder, SVT):
    """MixMAE encoder on Twins-SVT (paper Table 3: Twins-SVT-L), MMPretrain's layout.

    A subclass of MMPretrain's ``SVT``: ``forward(x)`` is ``SVT``'s and the weights load
    into it unchanged. In the mixed forward every attention keeps images apart: the
    local windows with a same-image mask, the global sub-sampled attention by groups on
    the query grid and on the pooled key grid (a pooled key covers ``stride * sr`` = 32
    px, one mask cell, so it comes from one image; see
    :func:`check_cell_aligned_pyramid`), and the conditional position encoding (a 3x3
    depthwise convolution, which would reach across cell borders) convolves each image's
    tokens with the others' zeroed.

    A ``Pretrained`` ``init_cfg`` loads loudly (:class:`LoudPretrainedMixin`); output norms
    of earlier stages (``norm_after_stage=True`` downstream) may be absent and start fresh.

    Args:
        arch (str | dict): ``'small'``, ``'base'``, ``'large'`` or an ``SVT`` arch dict.
        img_size (int | tuple): Pretraining input size. Defaults to 224.
        mask_unit (int): Side in pixels of one mixing-mask cell. Defaults to 32.
        norm_after_stage (bool | list[bool]): As ``SVT``; the last stage's norm must
            exist, it norms the mixed output. Defaults to ``[False, False, False, True]``
            (MMPretrain's classification setting).
        **kwargs: Other ``SVT`` arguments (``out_indices``, ``drop_path_rate``,
            ``qkv_bias``, ``init_cfg``, ...).
    """

    pretrained_optional_keys = ('norm_after_stage0.', 'norm_after_stage1.', 'norm_after_stage2.')

    def __init__(self,
                 arch: Union[str, dict] = 'large',
                 img_size: Union[int, Sequence[int]] = 224,
                 mask_unit: int = 32,
                 norm_after_stage: Union[bool, List[bool]] = (False, False, False, True),
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if not isinstance(norm_after_stage, bool):
            norm_after_stage = list(norm_after_stage)
        super().__init__(arch, norm_after_stage=norm_after_stage, init_cfg=init_cfg, **kwargs)
        if not self.norm_after_stage[-1]:
            raise ValueError('MixMAESVT needs norm_after_stage[-1]=True: it norms the tokens '
                             'the decoder reads')
        self.mixed_channels = self.embed_dims[-1]
        self.init_cell_aligned_pyramid(img_size, mask_unit, self.patch_sizes, self.strides,
                                       self.sr_ratios)

    def forward(self,
                x: torch.Tensor,
                plan: Optional[torch.Tensor] = None,
                group_ids: Optional[torch.Tensor] = None):
        """``forward(x)``: ``SVT``'s tuple of feature maps; with ``plan`` and
        ``group_ids``: :meth:`forward_mixed`."""
        mixed = self.dispatch_forward(x, plan, group_ids)
        return super().forward(x) if mixed is None else mixed

    def mixed_stages(self, x: torch.Tensor, plan: torch.Tensor,
                     group_ids: torch.Tensor) -> List[torch.Tensor]:
        """Token maps ``(M, H_i, W_i, C_i)`` of every stage for mixed inputs."""
        outs = []
        for i in range(self.num_stage):
            if i == 0:
                # Patches never straddle cells: mixing pixels equals mixing the embedded
                # tokens, and embeds M mixed images instead of all B.
                x = mix_images(x, plan, group_ids)
            x, hw = self.patch_embeds[i](x)
            ids = upsample_group_ids(group_ids, hw)
            x = self.position_encoding_drops[i](x)
            q_layout, k_layout = spatial_reduction_layouts(group_ids, hw, self.sr_ratios[i])
            for j, block in enumerate(self.stages[i]):
                y = block.norm1(x)
                if isinstance(block, LSAEncoderLayer):
                    y = lsa_within_groups(block.attn, y.view(y.shape[0], *hw, -1), ids)
                    y = y.flatten(1, 2)
                elif isinstance(block, GSAEncoderLayer):
                    y = gsa_within_groups(block.attn, y, hw, q_layout, k_layout)
                else:
                    raise TypeError(f'MixMAESVT cannot mix a {type(block).__name__} block')
                x = x + block.drop_path(y)
                x = x + block.drop_path(block.ffn(block.norm2(x)))
                if j == 0:
                    x = cpe_within_groups(self.position_encodings[i], x.view(x.shape[0], *hw, -1),
                                          ids).flatten(1, 2)
            x = getattr(self, f'norm_after_stage{i}')(x)
            outs.append(x.view(x.shape[0], *hw, -1))
            x = outs[-1].permute(0, 3, 1, 2)
        return outs

    def forward_mixed(self, x, plan, group_ids):
        return self.pool_to_mask_grid(self.mixed_stages(x, plan, group_ids)[-1])

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """Layer id of a parameter for layer-wise lr decay (see :func:`pyramid_layer_depth`);
        a stage's position encoding sits after its first block."""
        name = param_name[len(prefix):] if param_name.startswith(prefix) else ''
        m = re.match(
            r'(patch_embeds|position_encodings|stages|norm_after_stage)\.?(\d+)'
            r'(\.(\d+)\.)?', name)
        if m is None:
            return pyramid_layer_depth(self.depths)
        kind, stage = m.group(1), int(m.group(2))
        block = {
            'patch_embeds': None,
            'position_encodings': 0,
            'norm_after_stage': self.depths[stage] - 1
        }.get(kind)
        if kind == 'stages':
            block = int(m.group(4))
        return pyramid_layer_depth(self.depths, stage, block)
