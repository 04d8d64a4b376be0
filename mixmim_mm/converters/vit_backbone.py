"""Get a plain ViT encoder (MMPretrain ``VisionTransformer`` keys) out of a pretraining checkpoint.

For ViT methods whose pretraining encoder keeps MMPretrain's key layout (MixedAE's
``MixedAEViT``): the encoder is taken from under ``backbone.`` and the pretraining-only
parts (decoder ``neck.``, reconstruction ``head.``, the contrastive ``contrastive_head.``
projector) are dropped. The result is checked against a ``VisionTransformer`` with the
depth and final norm read off the keys, so a truncated or foreign checkpoint fails here.
"""
import re
from typing import Dict, Optional

import torch

from ..models.utils.pretrained import select_prefix
from .checkpoint_io import check_keys


def infer_vit_arch(backbone: Dict[str, torch.Tensor]) -> dict:
    """``embed_dims``, ``num_layers``, ``patch_size``, ``final_norm`` of bare ViT keys."""
    proj = backbone.get('patch_embed.projection.weight')
    layers = {int(m.group(1)) for k in backbone for m in [re.match(r'layers\.(\d+)\.', k)] if m}
    if proj is None or not layers:
        raise ValueError(f'not a ViT encoder: expected keys like "patch_embed.projection.weight" '
                         f'and "layers.0.attn.qkv.weight", found {sorted(backbone)[:8]}')
    return dict(
        embed_dims=proj.shape[0],
        num_layers=max(layers) + 1,
        patch_size=proj.shape[-1],
        final_norm='ln1.weight' in backbone)


def expected_vit_keys(num_layers: int, final_norm: bool):
    """State-dict keys of an MMPretrain ``VisionTransformer`` (width does not change them)."""
    from mmpretrain.models.backbones import VisionTransformer
    model = VisionTransformer(
        arch=dict(embed_dims=4, num_layers=num_layers, num_heads=1, feedforward_channels=4),
        img_size=4,
        patch_size=4,
        out_type='raw',
        final_norm=final_norm)
    return list(model.state_dict())


def vit_backbone_state_dict(state_dict: Dict[str, torch.Tensor],
                            prefix: Optional[str] = None,
                            source: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """The encoder of ``state_dict`` with bare ``VisionTransformer`` keys.

    Args:
        state_dict (dict): A whole pretraining model or a bare encoder.
        prefix (str, optional): The encoder's key prefix; ``'backbone.'`` for a whole model.
        source (str): Name used in error messages (e.g. the file path).

    Raises:
        ValueError: If no key has the prefix or the keys are not a complete ViT.
    """
    # The prefix rule of the loud loader, so the converter and loading agree.
    backbone = select_prefix(state_dict, prefix, source)
    arch = infer_vit_arch(backbone)
    check_keys(backbone, expected_vit_keys(arch['num_layers'], arch['final_norm']), source)
    return backbone
