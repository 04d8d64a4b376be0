"""ConvMAE's pixel decoder: an MAE decoder for an encoder without a class token.

MMPretrain's ``MAEPretrainDecoder`` assumes a leading class token (it splits it off, adds a
``num_patches + 1`` position table and drops it again). ConvMAE's encoder has no class token,
so reusing that decoder would either drop a real token or attend over an extra one. This decoder
is otherwise the same: linear embed, mask tokens scattered back with ``ids_restore``, a fixed
2-D sin-cos position table, transformer blocks, LayerNorm and a linear pixel predictor.
"""
import math
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule, ModuleList
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

from ..utils.pos_embed import sincos_pos_embed_2d
from ..utils.transformer_blocks import transformer_blocks


@MODELS.register_module()
class ConvMAEPretrainDecoder(BaseModule):
    """MAE-style decoder over a token grid without a class token (ConvMAE).

    Args:
        grid_size (int | tuple): Token grid ``(gh, gw)`` of the nominal input (14 for 224
            px and a 16-px token stride). Square grids of other sizes are handled at run
            time by rebuilding the fixed position table. Defaults to 14.
        patch_size (int): Pixels per token side predicted by the decoder. Defaults to 16.
        in_chans (int): Image channels. Defaults to 3.
        embed_dim (int): Encoder output dimension. Defaults to 768.
        decoder_embed_dim (int): Decoder width. Defaults to 512.
        decoder_depth (int): Decoder blocks. Defaults to 8.
        decoder_num_heads (int): Decoder heads. Defaults to 16.
        mlp_ratio (float): MLP ratio of the decoder blocks. Defaults to 4.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='LN', eps=1e-6)``.
        init_cfg (dict | list, optional): Initialisation config.
    """

    def __init__(self,
                 grid_size: Union[int, Sequence[int]] = 14,
                 patch_size: int = 16,
                 in_chans: int = 3,
                 embed_dim: int = 768,
                 decoder_embed_dim: int = 512,
                 decoder_depth: int = 8,
                 decoder_num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg=init_cfg)
        grid_size = (grid_size, grid_size) if isinstance(grid_size, int) else tuple(grid_size)
        if len(grid_size) != 2 or min(grid_size) < 1:
            raise ValueError(f'ConvMAEPretrainDecoder: bad grid_size={grid_size}')
        if decoder_embed_dim % 4:
            raise ValueError('ConvMAEPretrainDecoder: decoder_embed_dim must be divisible by 4 '
                             f'for the 2-D sin-cos table, got {decoder_embed_dim}')
        self.grid_size = grid_size
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        # Fixed table: a buffer, rebuilt rather than stored in checkpoints.
        self.register_buffer(
            'decoder_pos_embed',
            sincos_pos_embed_2d(grid_size, decoder_embed_dim).unsqueeze(0),
            persistent=False)
        self.decoder_blocks = ModuleList(
            transformer_blocks(decoder_embed_dim, decoder_num_heads, decoder_depth, mlp_ratio,
                               norm_cfg))
        self.decoder_norm = build_norm_layer(norm_cfg, decoder_embed_dim)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size**2 * in_chans, bias=True)

    def init_weights(self) -> None:
        """Mask token ~ N(0, 0.02) as in MAE and ConvMAE."""
        super().init_weights()
        nn.init.normal_(self.mask_token, std=.02)

    def _pos_embed(self, num_tokens: int) -> torch.Tensor:
        if num_tokens == self.grid_size[0] * self.grid_size[1]:
            return self.decoder_pos_embed
        side = math.isqrt(num_tokens)
        if side * side != num_tokens:
            raise ValueError(f'ConvMAEPretrainDecoder: {num_tokens} tokens do not match '
                             f'grid_size={self.grid_size} and are not a square grid')
        table = sincos_pos_embed_2d((side, side), self.decoder_pos_embed.shape[-1])
        return table.to(self.decoder_pos_embed).unsqueeze(0)

    def forward(self, x: torch.Tensor, ids_restore: torch.Tensor) -> torch.Tensor:
        """Predict pixels for every token.

        Args:
            x (torch.Tensor): Visible-token features ``(B, L_visible, C)``.
            ids_restore (torch.Tensor): ``(B, L)`` indices that undo the masking shuffle.

        Returns:
            torch.Tensor: ``(B, L, patch_size**2 * in_chans)`` predictions in raster order.
        """
        x = self.decoder_embed(x)
        b, n_vis, c = x.shape
        n_all = ids_restore.shape[1]
        x = torch.cat([x, self.mask_token.expand(b, n_all - n_vis, c)], dim=1)
        x = x.gather(1, ids_restore.unsqueeze(-1).expand(-1, -1, c))
        x = x + self._pos_embed(n_all)
        for block in self.decoder_blocks:
            x = block(x)
        return self.decoder_pred(self.decoder_norm(x))
