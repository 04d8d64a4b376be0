"""MAE encoder with grouped masking, for long-sequence MAE (LSMAE).

Hu et al., "Exploring Long-Sequence Masked Autoencoders" (arXiv:2210.07224). LSMAE pretrains
a ViT on a longer token sequence (448 px with 16-px patches: 28x28 = 784 tokens) and decouples
the mask unit from the patch: the authors' ``--mask_downsampling 2`` masks 2x2 groups of patches
together (a 32-px mask unit), so the masking task is as hard as at 224 px. The model is
fine-tuned at 224 px like any MAE checkpoint (the position embedding is resized on load).
"""
import warnings
from typing import Tuple

import torch
from mmpretrain.models.selfsup.mae import MAEViT
from mmpretrain.registry import MODELS

from ..utils.mask_sampling import random_token_masking, upsample_cells
from ..utils.pretrained import LoudPretrainedMixin


@MODELS.register_module()
class LSMAEViT(LoudPretrainedMixin, MAEViT):
    """MMPretrain's ``MAEViT`` whose random mask is drawn on ``mask_unit``-pixel cells.

    Each ``mask_unit x mask_unit`` cell (a square group of patches) is kept or masked as a
    whole, per sample, with MMPretrain's keep count ``int(L * (1 - mask_ratio))``; when that
    count is a multiple of the group size (e.g. 784 tokens, ratio 0.75, 32-px cells of 16-px
    patches) no group is split. ``mask_unit=patch_size`` is exactly MAE's per-patch masking.

    Args:
        mask_unit (int): Side of a mask cell in pixels, a multiple of ``patch_size`` (the
            authors' ``--mask_downsampling`` times the patch size). Defaults to 32. A value
            below ``patch_size`` is read as the count of patches of earlier releases, with a
            ``FutureWarning``.
        **kwargs: Arguments of ``MAEViT`` (``arch``, ``img_size``, ``patch_size``,
            ``mask_ratio``, ...).
    """

    def __init__(self, mask_unit: int = 32, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(mask_unit, int) or mask_unit < 1:
            raise ValueError(f'LSMAEViT: mask_unit must be a positive int, got {mask_unit!r}')
        patch = self.patch_embed.projection.stride[0]
        if mask_unit < patch:  # the patch count of earlier releases: unambiguous
            warnings.warn(
                f'LSMAEViT: mask_unit={mask_unit} is read as a count of patches (the unit of '
                f'earlier releases); give it in pixels, mask_unit={mask_unit * patch}',
                FutureWarning,
                stacklevel=2)
            mask_unit *= patch
        if mask_unit % patch:
            raise ValueError(f'LSMAEViT: mask_unit={mask_unit} px is not a multiple of '
                             f'patch_size={patch}')
        gh, gw = self.patch_resolution
        cells = mask_unit // patch
        if gh % cells or gw % cells:
            raise ValueError(f'LSMAEViT: the {gh}x{gw} patch grid (img_size / patch_size) is '
                             f'not divisible by mask_unit / patch_size = {cells}')
        self.mask_unit = mask_unit
        self.patches_per_unit = cells

    def random_masking(self,
                       x: torch.Tensor,
                       mask_ratio: float = 0.75) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Grouped random masking of ``(B, L, C)`` tokens in raster order.

        Returns:
            tuple: visible tokens ``(B, L_keep, C)``, mask ``(B, L)`` (1 = masked) and
            ``ids_restore`` ``(B, L)``, as ``MAEViT.random_masking``.
        """
        b, num_tokens, dims = x.shape
        gh, gw = self.patch_resolution
        if num_tokens != gh * gw:
            raise ValueError(f'LSMAEViT: got {num_tokens} tokens for a {gh}x{gw} patch grid')
        k = self.patches_per_unit
        # One noise value per group, shared by its k*k patches; the stable sort keeps the
        # members of a group next to each other, so groups are kept or dropped together.
        noise = upsample_cells(torch.rand(b, gh // k, gw // k, device=x.device), k)
        ids_keep, mask, ids_restore = random_token_masking(
            b, num_tokens, mask_ratio, noise=noise.reshape(b, num_tokens))
        x_masked = x.gather(1, ids_keep.unsqueeze(-1).expand(-1, -1, dims))
        return x_masked, mask, ids_restore
