"""FastMIM's loss head: l2 between predictions and targets on the masked tokens only."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils.patchify import normalize_patches, patchify


@MODELS.register_module()
class FastMIMHead(BaseModule):
    """Reconstruction loss on masked tokens, for per-token features or images.

    A target given per token ``(B, L, D)`` (HOG) is used as is; an image target
    ``(B, C, H, W)`` (pixels, or a low-pass-filtered image) is cut into ``patch_size`` patches
    (the mask block) and, with ``norm_pix``, normalised per patch (MAE/SimMIM's normalised
    pixels, the paper's pixel baseline).

    Args:
        loss (dict): Loss config. Defaults to ``PixelReconstructionLoss`` with ``L2``: the mean
            squared error over all values of the masked tokens.
        patch_size (int, optional): Side in pixels of the cell one prediction covers, for
            image targets (FastMIM's ``mask_unit``, one token per mask cell), named like
            ``MAEPretrainHead.patch_size``. Defaults to None.
        norm_pix (bool): Normalise image-target patches. Defaults to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 loss: dict = dict(type='PixelReconstructionLoss', criterion='L2'),
                 patch_size: Optional[int] = None,
                 norm_pix: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)
        self.patch_size = patch_size
        self.norm_pix = norm_pix

    def construct_target(self, target: torch.Tensor) -> torch.Tensor:
        """Per-token targets ``(B, L, D)`` from a token or image target."""
        if target.dim() == 3:
            return target
        if self.patch_size is None:
            raise ValueError('FastMIMHead: an image target needs head.patch_size (the mask '
                             'block size)')
        patches = patchify(target, self.patch_size)
        return normalize_patches(patches) if self.norm_pix else patches

    def loss(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Loss over masked tokens.

        Args:
            pred (Tensor): ``(B, L, D)`` predictions.
            target (Tensor): ``(B, L, D)`` per-token targets or ``(B, C, H, W)`` images.
            mask (Tensor): ``(B, L)``, 1 where masked.

        Returns:
            Tensor: The loss.
        """
        target = self.construct_target(target)
        if pred.shape != target.shape:
            raise ValueError(f'FastMIMHead: predictions {tuple(pred.shape)} and targets '
                             f'{tuple(target.shape)} differ; set neck.out_channels to '
                             f'{target.shape[-1]}')
        return self.loss_module(pred.float(), target.float(), mask.to(pred.dtype))
