"""MixMAE: mixed and masked autoencoder pretraining for hierarchical vision transformers."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..backbones.mixing_encoder import MixingEncoder
from ..utils.mask_sampling import upsample_cells
from ..utils.mixing import MIXMAE_MIX_MODES
from ..utils.patchify import denormalize_patches, patchify, unpatchify
from .mixing_algorithm import MixingAlgorithmMixin, fill_decoder_cell
from .reconstruction_target import ReconstructionTargetMixin

MIN_IMAGES, MAX_IMAGES = 2, 5


@MODELS.register_module()
class MixMAE(MixingAlgorithmMixin, ReconstructionTargetMixin, BaseSelfSupervisor):
    """MixMAE (a.k.a. MixMIM): mix the visible tokens of N images, reconstruct all N.

    The batch is arranged into mixed inputs (see ``mix_mode``); each is split on a
    random mask grid into N near-equal groups, group ``g`` showing image ``g``. The
    encoder attends only within groups, the decoder rebuilds every image, and each image
    is scored where it was hidden, so the masking ratio is ``1 - 1/N``.

    Everything encoder-specific (mask unit, pretraining size, output width) comes from the
    encoder through the :class:`~mixmim_mm.models.backbones.mixing_encoder.MixingEncoder`
    interface, so the same algorithm drives Swin, ViT, PVT and Twins encoders.

    Args:
        backbone (dict): Encoder config (a ``MixingEncoder``), e.g.
            ``MixMAESwinTransformer``, ``MixMAEViT``, ``MixMAEPVT``, ``MixMAESVT``.
        neck (dict): Decoder config, e.g. ``MixMAEDecoder``. ``grid_size``,
            ``patch_size`` and ``in_channels`` are filled in from the backbone when not
            given.
        head (dict): Loss head config, e.g. ``MixMAEHead``. ``patch_size`` is filled
            in from the backbone's ``mask_unit`` when not given.
        target_generator (dict, optional): Maps the input images to the
            reconstruction target (e.g. a low-pass filter), or ``DataSampleTarget`` to
            read a target computed in the data pipeline; the images themselves when None.
        num_images (int): Images mixed into one input, 2..5 (ratio 0.5..0.8).
        mix_mode (str): ``'group'`` (disjoint groups of N images, B/N mixed inputs;
            needs B divisible by N) or ``'flip'`` (sample i with sample B-1-i, B mixed
            inputs, N = 2; the pairing of the authors' code and MMPretrain).
        shared_mask (bool): One mask for the whole batch instead of one per mixed
            input. Defaults to False.
        dual_reconstruction (bool): Reconstruct every image of a mixed input; when
            False only image 0 is reconstructed (the paper's "w/o dual" ablation).
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 target_generator: Optional[dict] = None,
                 num_images: int = 4,
                 mix_mode: str = 'group',
                 shared_mask: bool = False,
                 dual_reconstruction: bool = True,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if not MIN_IMAGES <= num_images <= MAX_IMAGES:
            raise ValueError(f'num_images must be in {MIN_IMAGES}..{MAX_IMAGES} '
                             f'(masking ratio 1 - 1/num_images), got {num_images}')
        if mix_mode not in MIXMAE_MIX_MODES:
            raise ValueError(f'mix_mode must be one of {MIXMAE_MIX_MODES}, got {mix_mode!r}')
        if mix_mode == 'flip' and num_images != 2:
            raise ValueError(f"mix_mode='flip' mixes exactly 2 images, got num_images={num_images}"
                             "; use mix_mode='group' for more")
        if neck is None or head is None:
            raise ValueError('MixMAE needs both a neck (decoder) and a head (loss)')
        # Everything encoder-specific (mask unit, input size, output width) comes from
        # the built encoder through the MixingEncoder interface.
        if not isinstance(backbone, nn.Module):
            backbone = MODELS.build(backbone)
        if not isinstance(backbone, MixingEncoder):
            raise TypeError(f'MixMAE: backbone {type(backbone).__name__} cannot be mixed; use '
                            'an encoder implementing MixingEncoder (models/backbones/'
                            'mixing_encoder.py), e.g. MixMAESwinTransformer or MixMAEViT')
        mask_unit, img_size = backbone.mask_unit, tuple(backbone.img_size)
        neck, head = fill_decoder_cell(neck, head, mask_unit, backbone.mask_grid(img_size),
                                       'mask_unit')
        neck.setdefault('in_channels', backbone.mixed_channels)
        if neck['in_channels'] != backbone.mixed_channels:
            raise ValueError(f"neck.in_channels={neck['in_channels']} must equal the width of "
                             f"the encoder output ({backbone.mixed_channels})")
        if num_images > (img_size[0] // mask_unit) * (img_size[1] // mask_unit):
            raise ValueError(f'num_images={num_images} exceeds the number of mask cells')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            target_generator=target_generator,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        # e.g. a low-pass target works on pixels: give it the preprocessor's mean/std.
        self.num_images = num_images
        self.mix_mode = mix_mode
        self.mixing_plan_mode = mix_mode
        self.shared_mask = shared_mask
        self.dual_reconstruction = dual_reconstruction

    def decoded_groups(self, device) -> torch.Tensor:
        n = self.num_images if self.dual_reconstruction else 1
        return torch.arange(n, device=device)

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[List[DataSample]] = None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Mix, encode, unmix, decode and score one batch.

        Args:
            inputs (torch.Tensor): ``(B, 3, H, W)`` preprocessed images.
            data_samples (list, optional): Carry the target when it was computed in the
                data pipeline (``DataSampleTarget``); labels play no part in pretraining.

        Returns:
            dict[str, torch.Tensor]: ``{'loss': ...}``.
        """
        plan, group_ids = self.sample_mixing(inputs)
        latent = self.backbone(inputs, plan, group_ids)
        groups = self.decoded_groups(inputs.device)
        pred = self.neck(latent, group_ids, groups)
        targets = self.reconstruction_target(inputs, data_samples)
        loss = self.head.loss(pred, targets, plan[:, groups], group_ids, groups)
        return dict(loss=loss)

    @torch.no_grad()
    def reconstruct(self,
                    inputs: torch.Tensor,
                    generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
        """Mix a batch and rebuild its images, for visualisation.

        Predictions of normalised cells are mapped back with each cell's mean and std
        from the original image, so they can be shown in the preprocessed space.

        Returns:
            dict: ``originals`` ``(M, N, 3, H, W)``, ``mixed`` ``(M, 3, H, W)``,
            ``reconstructions`` ``(M, N, 3, H, W)`` (only the decoded groups) and
            ``group_ids`` ``(M, gh, gw)``; images in the preprocessed space.
        """
        plan, group_ids = self.sample_mixing(inputs, generator)
        latent = self.backbone(inputs, plan, group_ids)
        groups = self.decoded_groups(inputs.device)
        pred = self.neck(latent, group_ids, groups).float()
        originals = inputs[plan]
        m, n, c, h, w = originals.shape
        p = self.mask_unit
        grid = (h // p, w // p)
        pred = pred.flatten(0, 1)
        if self.head.norm_pix:
            pred = denormalize_patches(pred, patchify(originals[:, groups].flatten(0, 1), p))
        recon = unpatchify(pred, p, grid, c).view(m, len(groups), c, h, w)
        cell_ids = upsample_cells(group_ids, p)
        mixed = originals.gather(1, cell_ids[:, None, None].expand(m, 1, c, h, w)).squeeze(1)
        return dict(originals=originals, mixed=mixed, reconstructions=recon, group_ids=group_ids)
