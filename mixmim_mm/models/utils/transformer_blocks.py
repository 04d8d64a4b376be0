"""A stack of MMPretrain's pre-norm transformer blocks: the decoders' body."""
from typing import List, Optional

import torch.nn as nn
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer


def transformer_blocks(embed_dims: int,
                       num_heads: int,
                       depth: int,
                       mlp_ratio: float = 4.,
                       norm_cfg: Optional[dict] = None) -> List[nn.Module]:
    """``depth`` ViT blocks (``TransformerEncoderLayer`` with qkv bias), as the MAE-style
    decoders of MixMAE, FastMIM and ConvMAE stack them.

    The caller picks the container: ``nn.ModuleList``, or mmengine's ``ModuleList`` to have
    the blocks' own ``init_weights`` run.
    """
    norm_cfg = norm_cfg or dict(type='LN', eps=1e-6)
    feedforward = int(mlp_ratio * embed_dims)
    return [
        TransformerEncoderLayer(
            embed_dims, num_heads, feedforward, qkv_bias=True, norm_cfg=norm_cfg)
        for _ in range(depth)
    ]
