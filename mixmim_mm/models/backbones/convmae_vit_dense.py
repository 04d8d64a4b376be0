"""ConvMAE's encoder as a 4-level feature pyramid for detection and segmentation."""
from typing import Tuple

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from .convmae_vit import ConvMAEViT


@MODELS.register_module()
class ConvMAEViTDense(ConvMAEViT):
    """:class:`ConvMAEViT` returning maps at strides 4, 8, 16 and 32 for FPN / UperNet necks.

    The hybrid encoder already has a natural pyramid: the stage-1 and stage-2 convolution
    maps (strides 4 and 8) and the stage-3 tokens reshaped to a stride-16 map. As in ConvMAE's
    detection and segmentation code, the stride-32 level is a 2x2 max pooling of the stage-3
    map (no new weights, so a pretrained encoder loads without missing keys).

    The pretraining fusion convolutions are not built (``with_fusion=False``); every other
    argument is that of :class:`ConvMAEViT`, except that ``out_indices`` and ``out_type``
    are fixed.

    Returns from ``forward``: a tuple of 4 maps ``(B, C_i, H/s, W/s)`` with channels
    ``embed_dims[0], embed_dims[1], embed_dims[2], embed_dims[2]`` and ``s = 4, 8, 16, 32``.
    """

    def __init__(self, *args, **kwargs):
        for key in ('out_indices', 'out_type', 'with_fusion'):
            if key in kwargs:
                raise ValueError(f'ConvMAEViTDense: {key!r} is fixed by the dense mode and '
                                 f'cannot be set')
        super().__init__(
            *args, out_indices=(0, 1, 2), out_type='featmap', with_fusion=False, **kwargs)
        self.downsample = nn.MaxPool2d(kernel_size=2, stride=2)
        dims = self.arch_settings['embed_dims']
        self.out_channels = (dims[0], dims[1], dims[2], dims[2])

    def forward(self, x: torch.Tensor, mask: bool = False) -> Tuple[torch.Tensor, ...]:
        """Multi-scale features of an unmasked input; ``mask=True`` is not supported."""
        if mask:
            raise ValueError('ConvMAEViTDense is for dense transfer; use ConvMAEViT for masked '
                             'pretraining')
        c2, c3, c4 = self.forward_features(x)
        return c2, c3, c4, self.downsample(c4)
