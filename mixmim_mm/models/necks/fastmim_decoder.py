"""FastMIM's light decoder: projection, a few plain transformer blocks, a linear prediction."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils.attention_backend import attention_kernel_for
from ..utils.transformer_blocks import transformer_blocks
from ..utils.weight_init import init_transformer_weights


def features_to_tokens(features: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """The last backbone output as ``(B, L, C)`` tokens (a feature map is flattened row-major)."""
    if isinstance(features, (list, tuple)):
        features = features[-1]
    if features.dim() == 4:
        return features.flatten(2).transpose(1, 2)
    if features.dim() == 3:
        return features
    raise ValueError(f'FastMIM needs the backbone\'s last feature map (B, C, H, W) or tokens '
                     f'(B, L, C), got shape {tuple(features.shape)}; configure the backbone '
                     f"not to pool (e.g. ViT out_type='raw', ConvNeXt gap_before_final_norm="
                     f'False)')


@MODELS.register_module()
class FastMIMDecoder(BaseModule):
    """Linear projection to ``embed_dims``, ``depth`` ViT blocks, LayerNorm, linear prediction.

    FastMIM keeps every token, so the decoder sees exactly the encoder's output tokens (a
    class token included when the backbone returns one); there is no decoder position
    embedding (paper, Sec. 4 and A.3.2). Sizes: ViT-B 1 block x 256, ViT-L 8 x 512, Swin-B
    4 x 256, Swin-L 4 x 512 (Table 16). ``depth=0`` is a linear head.

    Args:
        in_channels (int): Width of the encoder output.
        out_channels (int): Values predicted per token (108 for HOG at stride 16, 432 at 32,
            ``stride**2 * 3`` for pixels).
        embed_dims (int): Decoder width. Defaults to 256.
        depth (int): Decoder blocks. Defaults to 1.
        num_heads (int, optional): Attention heads; ``embed_dims // 32`` (the authors' choice)
            when None.
        mlp_ratio (float): MLP ratio. Defaults to 4.
        norm_cfg (dict): Normalisation config. Defaults to LN with eps 1e-6.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 embed_dims: int = 256,
                 depth: int = 1,
                 num_heads: Optional[int] = None,
                 mlp_ratio: float = 4.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_heads = num_heads or max(embed_dims // 32, 1)
        if embed_dims % num_heads:
            raise ValueError(f'FastMIMDecoder: embed_dims={embed_dims} is not divisible by '
                             f'num_heads={num_heads}')
        self.decoder_embed = nn.Linear(in_channels, embed_dims)
        self.decoder_blocks = nn.ModuleList(
            transformer_blocks(embed_dims, num_heads, depth, mlp_ratio, norm_cfg))
        self.decoder_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.decoder_pred = nn.Linear(embed_dims, out_channels)

    def init_weights(self) -> None:
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'):
            init_transformer_weights(self)

    def forward(self, features: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
        """Predict per token.

        Args:
            features (Tensor | Sequence[Tensor]): The backbone output; its last element is used.

        Returns:
            Tensor: ``(B, L, out_channels)`` predictions for every encoder token.
        """
        x = self.decoder_embed(features_to_tokens(features))
        with attention_kernel_for(x, x.shape[1]):
            for block in self.decoder_blocks:
                x = block(x)
        return self.decoder_pred(self.decoder_norm(x))
