"""The MixMAE decoder: unmix the encoded mixture and reconstruct every source image."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils.attention_backend import attention_kernel_for
from ..utils.mixing import unmix_tokens
from ..utils.pos_embed import sincos_pos_embed_2d
from ..utils.transformer_blocks import transformer_blocks
from ..utils.weight_init import init_transformer_weights


@MODELS.register_module()
class MixMAEDecoder(BaseModule):
    """Linear to ``embed_dims``, unmixing with [MASK] tokens, a small ViT, pixel prediction.

    Each mixed input is split into one sequence per source image: the image's own
    tokens where it was visible and a shared [MASK] token elsewhere. Every sequence
    gets a fixed sin-cos position embedding and is decoded to ``patch_size**2 *
    in_chans`` values per mask cell.

    Args:
        in_channels (int): Width of the encoder output. Defaults to 1024.
        embed_dims (int): Decoder width. Defaults to 512.
        depth (int): Decoder blocks. Defaults to 8.
        num_heads (int): Decoder attention heads. Defaults to 16.
        mlp_ratio (float): MLP ratio. Defaults to 4.
        patch_size (int): Pixels per side of one predicted cell (the mask unit).
            Defaults to 32.
        in_chans (int): Image channels. Defaults to 3.
        grid_size (tuple[int, int]): Mask grid of the pretraining input; fixes the
            stored position table. Defaults to ``(7, 7)``.
        norm_cfg (dict): Normalisation config. Defaults to LN with eps 1e-6.
        out_channels (int, optional): Values predicted per cell when the target is not the
            cell's pixels (e.g. 432 for HOG at 32 px); ``patch_size**2 * in_chans`` when None.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 1024,
                 embed_dims: int = 512,
                 depth: int = 8,
                 num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 patch_size: int = 32,
                 in_chans: int = 3,
                 grid_size: Sequence[int] = (7, 7),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[dict] = None,
                 out_channels: Optional[int] = None):
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.grid_size = tuple(grid_size)
        self.decoder_embed = nn.Linear(in_channels, embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.decoder_pos_embed = nn.Parameter(
            sincos_pos_embed_2d(self.grid_size, embed_dims)[None], requires_grad=False)
        self.decoder_blocks = nn.ModuleList(
            transformer_blocks(embed_dims, num_heads, depth, mlp_ratio, norm_cfg))
        self.decoder_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.decoder_pred = nn.Linear(embed_dims, out_channels or patch_size**2 * in_chans)

    def init_weights(self):
        super().init_weights()
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            return
        init_transformer_weights(self)
        nn.init.normal_(self.mask_token, std=.02)

    def pos_embed_for(self, grid: Tuple[int, int]) -> torch.Tensor:
        if tuple(grid) == self.grid_size:
            return self.decoder_pos_embed
        return sincos_pos_embed_2d(grid, self.decoder_pos_embed.shape[-1]).to(
            self.decoder_pos_embed)[None]

    def forward(self, latent: torch.Tensor, group_ids: torch.Tensor,
                groups: torch.Tensor) -> torch.Tensor:
        """Reconstruct the images of ``groups`` from each mixed input.

        Args:
            latent (torch.Tensor): ``(M, L, C)`` encoder output on the mask grid.
            group_ids (torch.Tensor): ``(M, gh, gw)`` group ids of the mixed inputs.
            groups (torch.Tensor): ``(G,)`` groups (images) to reconstruct.

        Returns:
            torch.Tensor: ``(M, G, L, patch_size**2 * in_chans)`` predictions.
        """
        m, num_tokens, _ = latent.shape
        x = self.decoder_embed(latent)
        x = unmix_tokens(x, group_ids.flatten(1), self.mask_token.view(-1), groups)
        x = x.flatten(0, 1) + self.pos_embed_for(group_ids.shape[1:])
        with attention_kernel_for(x, num_tokens):
            for block in self.decoder_blocks:
                x = block(x)
        x = self.decoder_pred(self.decoder_norm(x))
        return x.view(m, len(groups), num_tokens, -1)
