"""The MixMAE encoder on a plain ViT: masked global attention over mixed patches."""
from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.registry import MODELS

from ..utils.group_attention import attend_within_groups
from ..utils.group_layout import GroupLayout
from ..utils.mask_sampling import upsample_group_ids
from ..utils.mixing import mix_tokens
from ..utils.pos_embed import resize_pos_embed, sincos_pos_embed_2d
from ..utils.pretrained import LoudPretrainedMixin
from ..utils.weight_init import init_transformer_weights
from .mixing_encoder import MixingEncoder


def vit_layer_within_groups(layer: nn.Module, x: torch.Tensor, layout: GroupLayout):
    """One MMPretrain ``TransformerEncoderLayer`` whose attention stays inside groups."""
    attn = layer.attn
    b, n, c = x.shape
    qkv = attn.qkv(layer.ln1(x)).view(b, n, 3, attn.num_heads, attn.head_dims)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    out = attend_within_groups(q, k, v, layout, dropout=attn.attn_drop if attn.training else 0.)
    x = x + attn.out_drop(attn.gamma1(attn.proj_drop(attn.proj(out))))
    return layer.ffn(layer.ln2(x), identity=x)


@MODELS.register_module()
class MixMAEViT(LoudPretrainedMixin, MixingEncoder, VisionTransformer):
    """MixMAE encoder on a ViT (paper Table 17): no class token, fixed sin-cos positions.

    Patch tokens of several images are mixed on a grid of ``mask_unit`` px cells (32 px
    = 2x2 patches of 16 by default, the stride the hierarchical encoders end with) and
    every block attends globally but only among tokens of the same image. The final
    tokens of each cell are averaged into one token per cell for the decoder.

    The weights keep the layout of MMPretrain's ``VisionTransformer`` with
    ``with_cls_token=False``, so fine-tuning can use either class. A ``Pretrained``
    ``init_cfg`` loads loudly (:class:`LoudPretrainedMixin`); only the norm after pooling
    (``ln2``, ``out_type='avg_featmap'``) may be absent.

    Args:
        arch (str | dict): ViT architecture, as ``VisionTransformer``.
        img_size (int | tuple): Pretraining input size. Defaults to 224.
        patch_size (int): Patch size. Defaults to 16.
        mask_unit (int): Side in pixels of one mixing-mask cell, a multiple of
            ``patch_size``. Defaults to 32.
        out_type (str): Output of ``forward(x)``: ``'featmap'`` or
            ``'avg_featmap'`` (fine-tuning). Defaults to ``'featmap'``.
        **kwargs: Other ``VisionTransformer`` arguments (``drop_path_rate``,
            ``final_norm``, ``out_indices``, ``init_cfg``, ...).
    """

    pretrained_optional_keys = ('ln2.', )

    def __init__(self,
                 arch='base',
                 img_size=224,
                 patch_size: int = 16,
                 mask_unit: int = 32,
                 out_type: str = 'featmap',
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if kwargs.get('with_cls_token', False):
            raise ValueError('MixMAEViT has no class token: mixed inputs have no image-level '
                             'token; use out_type="avg_featmap" for classification')
        kwargs['with_cls_token'] = False
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            out_type=out_type,
            init_cfg=init_cfg,
            **kwargs)
        self.mask_unit = mask_unit
        self.encoder_stride = patch_size
        self.mixed_channels = self.embed_dims
        if not self.final_norm:
            raise ValueError('MixMAEViT needs final_norm=True: the decoder reads normed tokens')
        self.check_mask_unit()
        # Fixed, like MAE's: kept in the state dict so fine-tuning gets the same table.
        self.pos_embed.requires_grad = False

    def stride_rule(self) -> str:
        return 'patch_size'

    def init_weights(self):
        super().init_weights()
        self.pos_embed.data.copy_(sincos_pos_embed_2d(self.patch_resolution, self.embed_dims))
        init_transformer_weights(self.layers)
        w = self.patch_embed.projection.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))

    def forward(self,
                x: torch.Tensor,
                plan: Optional[torch.Tensor] = None,
                group_ids: Optional[torch.Tensor] = None):
        """``forward(x)``: ``VisionTransformer`` outputs; with ``plan`` and ``group_ids``:
        :meth:`forward_mixed`."""
        mixed = self.dispatch_forward(x, plan, group_ids)
        return super().forward(x) if mixed is None else mixed

    def forward_mixed(self, x, plan, group_ids):
        x, res = self.patch_embed(x)
        ids = upsample_group_ids(group_ids, res)
        x = mix_tokens(x.view(x.shape[0], *res, -1), plan, ids).flatten(1, 2)
        x = x + resize_pos_embed(
            self.pos_embed,
            res,
            src_grid=self.patch_resolution,
            num_extra_tokens=0,
            mode=self.interpolate_mode)
        x = self.pre_norm(self.drop_after_pos(x))
        layout = GroupLayout(ids.flatten(1))
        for layer in self.layers:
            x = vit_layer_within_groups(layer, x, layout)
        x = self.ln1(x)
        return self.pool_to_mask_grid(x.view(x.shape[0], *res, -1))
