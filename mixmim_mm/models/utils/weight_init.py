"""Weight initialisation shared by the transformer encoders and decoders."""
import torch.nn as nn


def init_transformer_weights(module: nn.Module) -> None:
    """xavier_uniform for every Linear (zero bias), LayerNorm to identity.

    The initialisation of ViT, MAE and MixMAE (paper A.1: "xavier_uniform ... for all
    Transformer blocks").
    """
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
