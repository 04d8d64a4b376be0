"""The MixMAE encoder on PVT (v1): masked spatial-reduction attention over mixed tokens."""
import re
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.backbones.pvt import AbsolutePositionEmbedding, PyramidVisionTransformer
from mmdet.models.layers import nchw_to_nlc, nlc_to_nchw
from mmpretrain.registry import MODELS

from ..utils.group_attention import attend_within_groups, spatial_reduction_layouts, split_heads
from ..utils.group_layout import GroupLayout
from ..utils.mixing import mix_images
from ..utils.pretrained import LoudPretrainedMixin
from .mixing_encoder import MixingEncoder, pyramid_layer_depth


def pvt_layer_within_groups(block: nn.Module, x: torch.Tensor, hw, q_layout: GroupLayout,
                            k_layout: GroupLayout) -> torch.Tensor:
    """One mmdet ``PVTEncoderLayer`` whose attention stays inside groups.

    The keys and values are the spatially reduced tokens (a ``sr x sr`` stride-``sr``
    convolution); ``k_layout`` holds the group ids on that reduced grid. Weights and
    arithmetic are those of ``SpatialReductionAttention`` (``nn.MultiheadAttention``
    with a packed q/k/v projection).
    """
    sra = block.attn
    mha = sra.attn
    identity = x
    x = block.norm1(x)
    kv = x
    if sra.sr_ratio > 1:
        kv = sra.norm(nchw_to_nlc(sra.sr(nlc_to_nchw(x, hw))))
    c = x.shape[-1]
    w, b = mha.in_proj_weight, mha.in_proj_bias
    q = F.linear(x, w[:c], None if b is None else b[:c])
    k, v = F.linear(kv, w[c:], None if b is None else b[c:]).chunk(2, dim=-1)
    heads = mha.num_heads
    out = attend_within_groups(
        split_heads(q, heads),
        split_heads(k, heads),
        split_heads(v, heads),
        q_layout,
        k_layout,
        dropout=mha.dropout if mha.training else 0.)
    x = identity + sra.dropout_layer(sra.proj_drop(mha.out_proj(out)))
    return block.ffn(block.norm2(x), hw, identity=x)


@MODELS.register_module()
class MixMAEPVT(LoudPretrainedMixin, MixingEncoder, PyramidVisionTransformer):
    """MixMAE encoder on PVT v1 (paper Table 3: PVT-L), in mmdet's weight layout.

    A subclass of mmdet's ``PyramidVisionTransformer``: ``forward(x)`` is mmdet's and
    the weights load into it unchanged (the extra ``norm_out`` aside), so a pretrained
    encoder transfers to mmdet/mmseg with OpenMMLab's own class.

    Mixing happens after the first patch embedding; every attention of every stage is
    restricted to tokens of the same image. Spatial-reduction attention pools keys with
    an ``sr x sr`` convolution of stride ``sr`` on a stage of stride ``s``: with
    ``s * sr`` dividing ``mask_unit`` (4*8 = 8*4 = 16*2 = 32*1 = 32 for PVT) each pooled
    key is computed from tokens of one mask cell, hence of one image, so masking on the
    key grid is exact. Settings that would let a token or key see two cells
    (overlapping patch embeddings, the convolutional FFN of PVTv2, a key cell that
    straddles mask cells) are rejected.

    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` loads our own
    checkpoints loudly (:class:`LoudPretrainedMixin`: every weight or an error); for the
    original PVT releases use mmdet's class, which converts them.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'medium'``, ``'large'`` or a dict
            of ``PyramidVisionTransformer`` arguments (``embed_dims``, ``num_layers``,
            ``num_heads``, ``mlp_ratios``, ...).
        img_size (int): Pretraining input size (mmdet's ``pretrain_img_size``; fixes the
            position-embedding grids). Defaults to 224.
        mask_unit (int): Side in pixels of one mixing-mask cell. Defaults to 32.
        final_norm (bool): Apply ``norm_out`` to the last stage in ``forward(x)`` too
            (classification). The mixed forward always does. Defaults to False
            (mmdet's outputs).
        out_indices (sequence[int]): Stages returned by ``forward(x)``.
        drop_path_rate (float): Stochastic depth rate. Defaults to 0.
        **kwargs: Other ``PyramidVisionTransformer`` arguments.
    """

    arch_zoo = {
        name:
        dict(embed_dims=64, num_layers=layers, num_heads=[1, 2, 5, 8], mlp_ratios=[8, 8, 4, 4])
        for name, layers in (('tiny', [2, 2, 2, 2]), ('small', [3, 4, 6, 3]),
                             ('medium', [3, 4, 18, 3]), ('large', [3, 8, 27, 3]))
    }

    def __init__(self,
                 arch: Union[str, dict] = 'large',
                 img_size: int = 224,
                 mask_unit: int = 32,
                 final_norm: bool = False,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 drop_path_rate: float = 0.,
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise KeyError(f'arch={arch!r} is not one of {sorted(self.arch_zoo)}')
            arch = self.arch_zoo[arch]
        settings = {**arch, **kwargs}
        if settings.get('use_conv_ffn', False):
            raise ValueError('MixMAEPVT: use_conv_ffn=True (a 3x3 depthwise convolution) '
                             'would mix neighbouring images; PVT v1 has none')
        super().__init__(
            pretrain_img_size=img_size,
            out_indices=out_indices,
            drop_path_rate=drop_path_rate,
            init_cfg=init_cfg,
            **settings)
        self.final_norm = final_norm
        self.mixed_channels = self.embed_dims * self.num_heads[-1]
        self.use_abs_pos_embed = settings.get('use_abs_pos_embed', True)
        norm_cfg = settings.get('norm_cfg', dict(type='LN', eps=1e-6))
        self.norm_out = nn.LayerNorm(self.mixed_channels, eps=norm_cfg.get('eps', 1e-5))
        self.init_cell_aligned_pyramid(img_size, mask_unit, self.patch_sizes, self.strides,
                                       self.sr_ratios, settings.get('paddings'))

    def forward(self,
                x: torch.Tensor,
                plan: Optional[torch.Tensor] = None,
                group_ids: Optional[torch.Tensor] = None):
        """``forward(x)``: mmdet's list of ``(B, C_i, H_i, W_i)`` maps; with ``plan`` and
        ``group_ids``: :meth:`forward_mixed`."""
        mixed = self.dispatch_forward(x, plan, group_ids)
        if mixed is not None:
            return mixed
        outs = super().forward(x)
        last = self.num_stages - 1
        if self.final_norm and last in self.out_indices:
            y = outs[-1]
            outs[-1] = self.norm_out(y.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()
        return tuple(outs)

    def mixed_stages(self, x: torch.Tensor, plan: torch.Tensor,
                     group_ids: torch.Tensor) -> List[torch.Tensor]:
        """Token maps ``(M, H_i, W_i, C_i)`` of every stage for mixed inputs."""
        outs = []
        for i, (patch_embed, blocks, norm) in enumerate(self.layers):
            if i == 0:
                # Patches never straddle cells: mixing pixels equals mixing the embedded
                # tokens, and embeds M mixed images instead of all B.
                x, hw = patch_embed(mix_images(x, plan, group_ids))
            else:
                x, hw = patch_embed(nlc_to_nchw(x, hw))
            q_layout, k_layout = spatial_reduction_layouts(group_ids, hw, self.sr_ratios[i])
            for block in blocks:
                if isinstance(block, AbsolutePositionEmbedding):
                    x = block(x, hw)
                else:
                    x = pvt_layer_within_groups(block, x, hw, q_layout, k_layout)
            x = norm(x)
            outs.append(x.view(x.shape[0], *hw, -1))
        return outs

    def forward_mixed(self, x, plan, group_ids):
        return self.pool_to_mask_grid(self.norm_out(self.mixed_stages(x, plan, group_ids)[-1]))

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """Layer id of a parameter for layer-wise lr decay (see :func:`pyramid_layer_depth`)."""
        name = param_name[len(prefix):] if param_name.startswith(prefix) else ''
        m = re.match(r'layers\.(\d+)\.(\d+)\.(\d+\.)?', name)
        if m is None:
            return pyramid_layer_depth(self.num_layers)
        stage, part = int(m.group(1)), int(m.group(2))
        if part == 1 and m.group(3):  # blocks, after the position embedding if any
            block = int(m.group(3)[:-1]) - self.use_abs_pos_embed
            return pyramid_layer_depth(self.num_layers, stage, block if block >= 0 else None)
        if part == 2:  # the norm after the stage
            return pyramid_layer_depth(self.num_layers, stage, self.num_layers[stage] - 1)
        return pyramid_layer_depth(self.num_layers, stage)
