"""The MixedAE encoder: a ViT over mixed images with segment embeddings and homologous attention."""
from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from mmpretrain.models.selfsup.mae import MAEViT
from mmpretrain.registry import MODELS

from ..utils.homologous_attention import HomologousAttention, topk_count
from ..utils.pos_embed import resize_pos_embed, sincos_embed_1d
from ..utils.pretrained import LoudPretrainedMixin
from ..utils.weight_init import init_transformer_weights
from .mixing_encoder import MixingGrid

ATTENTION_MODES = ('topk', 'global', 'masked')
MAX_SEGMENTS = 16


@MODELS.register_module()
class MixedAEViT(LoudPretrainedMixin, MixingGrid, MAEViT):
    """ViT encoder of MixedAE, on the full sequence of each mixed image.

    Given ``source_ids`` (the source image of every patch), the encoder

    * adds a fixed sin-cos **segment embedding** of the source index (1-based) to the
      input of **every** layer, beside the position embedding added once at the input;
      the class token belongs to no image and gets no segment embedding;
    * replaces the self-attention of every layer but the first ``num_global_layers``
      with **homologous attention**: per head, each query keeps its ``K`` largest logits,
      ``K = round(topk_ratio * N)`` for the ``N`` tokens of the sequence (class token
      included, so 49 for ViT-B/16 at 224 px and ratio 0.25); the class token takes
      part as a query and as a key like any token.

    A 'Pretrained' ``init_cfg`` (e.g. to continue pretraining) loads loudly through the
    package's shared mechanism: a missing or unused encoder weight raises.

    Without ``source_ids`` it is a plain ViT (global attention, no segment embedding),
    which is also what fine-tuning uses: the parameters and state-dict keys are exactly
    those of MMPretrain's ``VisionTransformer`` (segment embeddings have none), so
    pretrained weights load into it unchanged.

    Its mixing grid (:class:`MixingGrid`: ``img_size``, ``mask_unit``, the patch as
    ``encoder_stride``) is what :class:`~mixmim_mm.models.algorithms.MixedAE` mixes on.

    Args:
        arch, img_size, patch_size, drop_rate, drop_path_rate, norm_cfg, patch_cfg,
        layer_cfgs, init_cfg: As in MMPretrain's ``MAEViT``.
        mask_unit (int): Side in pixels of a mixing cell, a multiple of ``patch_size``
            (32 px: 2x2 patches of ViT/16, the paper's). Defaults to 32.
        topk_ratio (float): ``K / N`` of homologous attention (the paper's 0.25, equal
            to the mixing ratio r). Defaults to 0.25.
        attention (str): ``'topk'`` (MixedAE), ``'global'`` (naive mixing) or
            ``'masked'`` (the paper's "masked SA" control, Table 7a: no leakage between
            the images of a mixed input): in **every** layer each patch attends only to
            the patches of its own image, read from the mixing mask, not to the class
            token; the class token attends to everything, but nothing reads it (MixedAE
            passes only patch tokens on), so no patch token depends on another image.
            Defaults to ``'topk'``.
        num_global_layers (int): Leading layers kept global in ``'topk'`` mode (1 in the
            paper; 0 is "TopK in all layers"); ``'masked'`` masks every layer, since a
            global layer would leak. Defaults to 1.
        segment_embed (bool): Add the segment embeddings. Defaults to True.
        record_topk_accuracy (bool): Record each TopK layer's sampling accuracy during
            the forward pass (see :meth:`topk_accuracies`). Defaults to True.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 patch_cfg: dict = dict(),
                 layer_cfgs: dict = dict(),
                 topk_ratio: float = 0.25,
                 attention: str = 'topk',
                 num_global_layers: int = 1,
                 segment_embed: bool = True,
                 record_topk_accuracy: bool = True,
                 mask_unit: int = 32,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            drop_rate=drop_rate,
            drop_path_rate=drop_path_rate,
            norm_cfg=norm_cfg,
            final_norm=True,
            out_type='raw',
            patch_cfg=patch_cfg,
            layer_cfgs=layer_cfgs,
            init_cfg=init_cfg)
        if attention not in ATTENTION_MODES:
            raise ValueError(f'attention must be one of {ATTENTION_MODES}, got {attention!r}')
        if not 0 <= num_global_layers <= self.num_layers:
            raise ValueError(f'num_global_layers must be in 0..{self.num_layers}, '
                             f'got {num_global_layers}')
        topk_count(topk_ratio, 1)  # validates the ratio at build time
        self.topk_ratio = topk_ratio
        self.attention = attention
        self.num_global_layers = num_global_layers
        self.segment_embed = segment_embed
        self.record_topk_accuracy = record_topk_accuracy
        self.patch_size = patch_size
        self.img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.mask_unit = mask_unit
        self.encoder_stride = patch_size
        self.check_mask_unit()
        for layer in self.layers:
            layer.attn = HomologousAttention(layer.attn)
        # Row 0 (no image: the class token) is zero; row g + 1 encodes image g. Not
        # persistent: it is fixed, and the checkpoint keeps plain ViT keys.
        table = sincos_embed_1d(torch.arange(1, MAX_SEGMENTS + 1), self.embed_dims)
        self.register_buffer('segment_table', F.pad(table, (0, 0, 1, 0)), persistent=False)

    def init_weights(self) -> None:
        # The fresh initialisation; LoudPretrainedMixin loads a 'Pretrained' init_cfg after it.
        super().init_weights()
        # xavier_uniform for all Transformer layers (paper, App. B).
        init_transformer_weights(self.layers)
        init_transformer_weights(self.ln1)

    def homologous_layer(self, index: int) -> bool:
        return self.attention == 'masked' or index >= self.num_global_layers

    def stride_rule(self) -> str:
        return 'the patch size'

    def forward(self, x: torch.Tensor, source_ids: Optional[torch.Tensor] = None):
        """Encode.

        Args:
            x (torch.Tensor): ``(M, 3, H, W)`` mixed images (any images without
                ``source_ids``).
            source_ids (torch.Tensor, optional): ``(M, H/p, W/p)`` source image index of
                every patch. None gives the plain ViT (``MAEViT``'s unmasked output).

        Returns:
            torch.Tensor | tuple: ``(M, 1 + L, C)`` tokens after the final norm (class
            token first) with ``source_ids``; MAEViT's tuple otherwise.
        """
        if source_ids is None:
            return super().forward(x, mask=None)
        m = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        if tuple(source_ids.shape[1:]) != tuple(patch_resolution):
            raise ValueError(f'source_ids of shape {tuple(source_ids.shape)} do not match the '
                             f'{tuple(patch_resolution)} patch grid of the input')
        x = torch.cat([self.cls_token.expand(m, -1, -1), x], dim=1)
        x = x + resize_pos_embed(
            self.pos_embed,
            patch_resolution,
            src_grid=self.patch_resolution,
            num_extra_tokens=1,
            mode=self.interpolate_mode)
        x = self.drop_after_pos(x)
        token_ids = F.pad(source_ids.flatten(1), (1, 0), value=-1)
        segments = self.segment_table[token_ids + 1] if self.segment_embed else None
        attn_mask = None
        if self.attention == 'masked':
            # Queries of one image see its keys only; the class token's query sees all.
            attn_mask = ((token_ids[:, :, None] == token_ids[:, None, :]) |
                         (token_ids[:, :, None] < 0))[:, None]
        top_k = topk_count(self.topk_ratio, x.shape[1]) if self.attention == 'topk' else None
        record = token_ids if self.record_topk_accuracy and self.training else None
        for i, layer in enumerate(self.layers):
            if segments is not None:
                x = x + segments
            homologous = self.homologous_layer(i)
            layer.attn.last_topk_accuracy = None
            x = x + layer.attn(
                layer.ln1(x),
                top_k=top_k if homologous else None,
                attn_mask=attn_mask if homologous else None,
                source_ids=record)
            x = layer.ffn(layer.ln2(x), identity=x)
        return self.ln1(x)

    def topk_accuracies(self) -> Dict[str, torch.Tensor]:
        """``{'topk_acc_layer{i}': ...}`` (1-based layers) recorded by the last forward."""
        return {
            f'topk_acc_layer{i + 1}': layer.attn.last_topk_accuracy
            for i, layer in enumerate(self.layers) if layer.attn.last_topk_accuracy is not None
        }
