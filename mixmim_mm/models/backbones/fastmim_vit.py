"""MMPretrain's ViT with the fixed sin-cos position embedding FastMIM pretrains with."""
from typing import Sequence, Union

import torch
from mmengine.utils import to_2tuple
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.registry import MODELS

from ..utils.pos_embed import sincos_pos_embed_2d
from ..utils.pretrained import LoudPretrainedMixin


@MODELS.register_module()
class FastMIMViT(LoudPretrainedMixin, VisionTransformer):
    """Standard ViT whose position embedding is a fixed 2-D sin-cos table (FastMIM, A.3.2).

    Only the position embedding differs from MMPretrain's ``VisionTransformer``: it is the
    sin-cos table of the patch grid (zero for the class token), not trained. The encoder sees
    the whole (pixel-masked) image, so nothing else changes and the weights load into a plain
    ``VisionTransformer`` for fine-tuning, whose load hook interpolates the table to the new
    grid (8x8 -> 14x14 for 128 -> 224 px). :meth:`set_input_size` regenerates the table exactly
    for another pretraining size (FastMIM-P). Arguments are those of ``VisionTransformer``.
    ``init_cfg=dict(type='Pretrained', ...)`` loads loudly (:class:`LoudPretrainedMixin`):
    a checkpoint that lacks an encoder weight is refused, naming the file.
    """

    def init_weights(self) -> None:
        super().init_weights()
        self.pos_embed.requires_grad = False
        # A Pretrained init_cfg loads the checkpoint's table afterwards (LoudPretrainedMixin).
        self._fill_sincos(self.patch_resolution)

    def _fill_sincos(self, grid) -> None:
        table = sincos_pos_embed_2d(tuple(grid), self.embed_dims)
        extra = torch.zeros(self.num_extra_tokens, self.embed_dims)
        self.pos_embed.data = torch.cat([extra, table])[None].to(self.pos_embed)

    def set_input_size(self, img_size: Union[int, Sequence[int]]) -> None:
        """Regenerate the position table for ``img_size`` inputs (a FastMIM-P phase switch)."""
        h, w = to_2tuple(img_size)
        patch = self.patch_embed.projection.stride
        if h % patch[0] or w % patch[1]:
            raise ValueError(f'FastMIMViT: input size {h}x{w} is not divisible by the patch '
                             f'size {patch[0]}')
        self.patch_resolution = (h // patch[0], w // patch[1])
        self.patch_embed.init_input_size = (h, w)
        self.patch_embed.init_out_size = self.patch_resolution
        self._fill_sincos(self.patch_resolution)
