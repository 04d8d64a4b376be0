"""The MixMAE loss: normalised-pixel reconstruction of each image where it was hidden."""
import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils.mixing import hidden_mask
from ..utils.patchify import normalize_patches, patchify


@MODELS.register_module()
class MixMAEHead(BaseModule):
    """Dual (N-way) reconstruction loss.

    Every image of a mixed input is scored only at the mask cells where another image
    was shown (Eq. 2 of the paper, extended to N images). The loss is the mean of the
    per-cell loss over all scored (image, cell) pairs, so with two images each cell of a
    mixed input is scored exactly once, as in the authors' code and MMPretrain.

    Args:
        loss (dict): Pixel loss config; it is called as ``loss(pred, target, mask)``.
            Defaults to ``PixelReconstructionLoss`` with L2.
        norm_pix (bool): Normalise each target cell by its mean and std (MAE's
            ``norm_pix_loss``). Defaults to True.
        patch_size (int): Side in pixels of the cell one prediction covers, named like
            ``MAEPretrainHead.patch_size``: the backbone's ``mask_unit`` in MixMAE (one
            prediction per mask cell), its patch in MixedAE; the algorithm fills it in and
            refuses another value. Defaults to 32.
    """

    def __init__(self,
                 loss: dict = dict(type='PixelReconstructionLoss', criterion='L2'),
                 norm_pix: bool = True,
                 patch_size: int = 32):
        super().__init__()
        self.loss_module = MODELS.build(loss)
        self.norm_pix = norm_pix
        self.patch_size = patch_size

    def construct_target(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, 3, H, W)`` images -> ``(B, L, p*p*3)`` (normalised) target cells.

        A target already given per mask cell, ``(B, L, D)`` (e.g. HOG features), is used as
        it is: ``norm_pix`` applies to pixel targets only.
        """
        if images.dim() == 3:
            return images
        target = patchify(images, self.patch_size)
        return normalize_patches(target) if self.norm_pix else target

    def loss(self, pred: torch.Tensor, images: torch.Tensor, sources: torch.Tensor,
             group_ids: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            pred (torch.Tensor): ``(M, G, L, P)`` reconstructions.
            images (torch.Tensor): ``(B, 3, H, W)`` target images of the batch.
            sources (torch.Tensor): ``(M, G)`` batch index of the image each
                reconstruction rebuilds.
            group_ids (torch.Tensor): ``(M, gh, gw)`` group ids of the mixed inputs.
            groups (torch.Tensor): ``(G,)`` the group each reconstruction belongs to.
        """
        # Each image's target once, then gathered (flip mode uses every image twice).
        target = self.construct_target(images)[sources].flatten(0, 1)
        mask = hidden_mask(group_ids.flatten(1), groups).flatten(0, 1)
        return self.loss_module(pred.flatten(0, 1).float(), target.float(), mask)
