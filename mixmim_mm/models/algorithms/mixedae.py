"""MixedAE: mixed autoencoder with homologous attention and homologous contrast (ViT)."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...utils.deprecation import renamed_argument
from ..backbones.mixedae_vit import MAX_SEGMENTS
from ..backbones.mixing_encoder import MixingGrid
from ..utils.mask_sampling import upsample_group_ids
from ..utils.mixing import mix_images
from .mixing_algorithm import MixingAlgorithmMixin, fill_decoder_cell
from .reconstruction_target import ReconstructionTargetMixin

# MixedAE's mixing: 'compose' (one mixed sample per group of N images) or 'full' (N).
MIXEDAE_MIX_MODES = ('compose', 'full')


@MODELS.register_module()
class MixedAE(MixingAlgorithmMixin, ReconstructionTargetMixin, BaseSelfSupervisor):
    """MixedAE: mix groups of 1/r images, recognise homologous patches, rebuild every image.

    The batch is split into groups of ``num_images`` (1/r) consecutive images (the
    sampler already shuffles). A random mixing mask on the encoder's ``mask_unit`` grid (32 px:
    2x2 ViT patches) assigns every cell to one image, which shows its own pixels there;
    mixing keeps positions and replaces MAE's random masking (r = 0.25 <-> 75 %).
    The 7x7 = 49 cells of a 224-px image cannot be split equally among 4 images: each
    mask gives 13 cells to one image and 12 to the other three, the image with the extra
    cell drawn at random per mask (:func:`sample_group_ids`), i.e. 52 or 48 of the 196
    patches.

    The encoder (:class:`MixedAEViT`) sees every position of each mixed image with
    segment embeddings and homologous TopK attention. Its patch tokens are

    * unmixed into one decoder sequence per source image (its tokens at its positions,
      a shared [MASK] token elsewhere; the encoder's class token, which has seen all the
      images, is not passed on) and decoded to normalised pixels scored only on the
      image's missing positions (``loss_rec``);
    * projected and contrasted by source image (``loss_homocon``, already weighted by
      lambda), unless ``contrastive_head`` is None (the "no HomoCon" control).

    The loss dict also carries ``topk_acc_layer{i}`` entries, the TopK sampling accuracy
    of every homologous layer (Fig. 6 of the paper), measured during the training
    forward pass; their names hold no ``'loss'``, so mmengine logs them without adding
    them to the total.

    Args:
        backbone (dict): Encoder config (``MixedAEViT``); ``topk_ratio`` defaults to
            ``1 / num_images``.
        neck (dict): Decoder config, e.g. ``MixMAEDecoder`` (MAE's 8 x 512 decoder on
            the unmixed sequences); ``patch_size`` and ``grid_size`` default to the
            backbone's patches.
        head (dict): Reconstruction loss config, e.g. ``MixMAEHead`` with
            ``norm_pix=True``; ``patch_size`` defaults to the backbone's.
        contrastive_head (dict, optional): ``HomologousContrastiveHead`` config.
        num_images (int): Images per group, 1/r. Defaults to 4.
        mix_mode (str): ``'compose'`` (one mixed sample per group: B/N encoder
            sequences) or ``'full'`` (N independently mixed samples per group: B
            sequences, each unmixed into N decoder sequences). Defaults to ``'compose'``.
        mask_unit (int, optional): Deprecated: the mixing cell is the encoder's
            ``backbone.mask_unit`` (as in MixMAE); accepted with a ``FutureWarning``.
        target_generator (dict, optional): The reconstruction target, as for MixMAE, PixMIM
            and FastMIM (:class:`ReconstructionTargetMixin`): e.g.
            ``LowPassTargetGenerator`` (PixMIM's target) or ``HOGTargetGenerator`` with
            ``token_stride`` equal to the patch size (then ``neck.out_channels`` is the HOG
            length); None reconstructs the input pixels. Defaults to None.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 contrastive_head: Optional[dict] = None,
                 num_images: int = 4,
                 mix_mode: str = 'compose',
                 mask_unit: Optional[int] = None,
                 target_generator: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if not 2 <= num_images <= MAX_SEGMENTS:
            raise ValueError(f'num_images (1/r) must be in 2..{MAX_SEGMENTS}, got {num_images}')
        if mix_mode not in MIXEDAE_MIX_MODES:
            raise ValueError(f'mix_mode must be one of {MIXEDAE_MIX_MODES}, got {mix_mode!r}')
        if neck is None or head is None:
            raise ValueError('MixedAE needs a neck (decoder) and a head (reconstruction loss)')
        # The mixing grid, patch and input size are the encoder's (MixingGrid): built first,
        # then asked, as MixMAE asks its MixingEncoder.
        if not isinstance(backbone, nn.Module):
            backbone = dict(backbone)
            backbone.setdefault('topk_ratio', 1. / num_images)
            if mask_unit is not None:
                backbone['mask_unit'] = renamed_argument('MixedAE', 'mask_unit', mask_unit,
                                                         'backbone.mask_unit',
                                                         backbone.get('mask_unit'), None)
            backbone = MODELS.build(backbone)
        elif mask_unit is not None and mask_unit != backbone.mask_unit:
            raise ValueError(f'MixedAE: mask_unit={mask_unit} differs from the built '
                             f"backbone's mask_unit={backbone.mask_unit}")
        if not isinstance(backbone, MixingGrid):
            raise TypeError(f'MixedAE: backbone {type(backbone).__name__} declares no mixing '
                            'grid; use MixedAEViT (or another MixingGrid encoder)')
        patch_size, img_size = backbone.encoder_stride, tuple(backbone.img_size)
        neck, head = fill_decoder_cell(neck, head, patch_size,
                                       (img_size[0] // patch_size, img_size[1] // patch_size),
                                       'patch_size')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            target_generator=target_generator,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if self.with_target_generator:
            stride = self.target_generator.token_stride
            if stride is not None and stride != patch_size:
                raise ValueError(f'MixedAE: target_generator.token_stride={stride} differs from '
                                 f'the patch size {patch_size}; targets must be per patch')
        self.contrastive_head = MODELS.build(contrastive_head) if contrastive_head else None
        self.num_images = num_images
        self.mix_mode = mix_mode
        # Both modes group consecutive images (read by MixingBatchCheckHook).
        self.mixing_plan_mode = 'group'

    @property
    def plans_per_group(self) -> int:
        """``'full'`` mixes every group ``num_images`` times, ``'compose'`` once."""
        return self.num_images if self.mix_mode == 'full' else 1

    def encode(self, inputs: torch.Tensor, plan: torch.Tensor, group_ids: torch.Tensor):
        """Mix and encode: ``(M, L, C)`` patch tokens and ``(M, h, w)`` patch sources."""
        p = self.backbone.patch_size
        patch_ids = upsample_group_ids(group_ids, (inputs.shape[2] // p, inputs.shape[3] // p))
        latent = self.backbone(mix_images(inputs, plan, group_ids), patch_ids)
        return latent[:, self.backbone.num_extra_tokens:], patch_ids

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[List[DataSample]] = None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Mix, encode, unmix, decode and score one batch.

        Args:
            inputs (torch.Tensor): ``(B, 3, H, W)`` preprocessed images.
            data_samples (list, optional): Carry the target when ``target_generator``
                reads the data samples (``DataSampleTarget``).

        Returns:
            dict[str, torch.Tensor]: ``loss_rec``, ``loss_homocon`` (with a contrastive
            head) and the ``topk_acc_layer{i}`` diagnostics.
        """
        plan, group_ids = self.sample_mixing(inputs)
        tokens, patch_ids = self.encode(inputs, plan, group_ids)
        groups = torch.arange(self.num_images, device=inputs.device)
        pred = self.neck(tokens, patch_ids, groups)
        targets = self.reconstruction_target(inputs, data_samples)
        losses = dict(loss_rec=self.head.loss(pred, targets, plan, patch_ids, groups))
        if self.contrastive_head is not None:
            losses['loss_homocon'] = self.contrastive_head.loss(tokens, patch_ids.flatten(1))
        losses.update(self.backbone.topk_accuracies())
        return losses
