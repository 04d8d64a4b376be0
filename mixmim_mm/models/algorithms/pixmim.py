"""PixMIM on MAE-style hosts (Liu et al., "PixMIM: Rethinking Pixel Reconstruction in MIM").

PixMIM changes two things in a pixel-target MIM method: the reconstruction target becomes a
low-pass-filtered copy of the augmented image, and pretraining uses ``SimpleResizedCrop``
instead of ``RandomResizedCrop``. The second is a config change; the first is a target
generator. The classes here are the hosts MMPretrain ships (``MAE``, ``MFF``) with only the
target swapped: the encoder still sees the ordinary augmented image with the host's masking,
and the head still applies its per-patch normalisation (``norm_pix``), now to the filtered image.

Design: one small subclass per host (``PixMIM`` for MAE, ``PixMIMMFF`` for MFF) rather than a
wrapper around a host model, so state-dict keys (``backbone.*``, ``neck.*``, ``head.*``) stay those
of the host and every MAE/MFF fine-tuning config and checkpoint tool keeps working.
"""
from typing import Dict, List

import torch
from mmpretrain.models.selfsup.mae import MAE
from mmpretrain.models.selfsup.mff import MFF
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils.attention_backend import attention_kernel_for
from .reconstruction_target import ReconstructionTargetMixin


def visible_tokens(encoder) -> int:
    """Tokens per sequence in an MAE encoder: the unmasked patches and the class token."""
    return int(encoder.num_patches * (1 - encoder.mask_ratio)) + 1


# The paper's filter at 224 px; a config's own target_generator replaces it.
DEFAULT_TARGET_GENERATOR = dict(type='LowPassTargetGenerator', radius=40)


@MODELS.register_module()
class PixMIM(ReconstructionTargetMixin, MAE):
    """PixMIM with MAE as the host: MAE reconstructing a low-pass-filtered image.

    Everything (backbone ``MAEViT``, decoder, ``MAEPretrainHead``, masking) is MAE's; only the
    target passed to the head is ``target_generator(inputs)`` instead of ``inputs``. The
    target generator gets the data preprocessor's mean/std at build time (see
    :func:`attach_preprocessor_normalization`). With ``DataSampleTarget`` as the generator the
    low-pass image comes from the ``LowPassTarget`` pipeline transform instead (see
    :class:`ReconstructionTargetMixin`). For the MFF host use :class:`PixMIMMFF`.

    Args:
        backbone (dict): Config of the MAE encoder, e.g. ``MAEViT``.
        neck (dict, optional): Config of the decoder, e.g. ``MAEPretrainDecoder``.
        head (dict, optional): Config of the head, e.g. ``MAEPretrainHead``.
        target_generator (dict, optional): Config of the target generator. Defaults to
            ``LowPassTargetGenerator`` with ``radius=40`` (the paper's value at 224 px);
            ``dict(type='DataSampleTarget')`` reads the target the pipeline computed.
        pretrained (str, optional): Checkpoint to initialise from. Defaults to None.
        data_preprocessor (dict | nn.Module, optional): Data preprocessor config. Defaults to
            ``SelfSupDataPreprocessor`` (the host's default).
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    default_target_generator = DEFAULT_TARGET_GENERATOR

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """MAE's loss with the low-pass target.

        Args:
            inputs (Tensor): Preprocessed images ``(B, 3, H, W)``.
            data_samples (List[DataSample]): Carry the target when ``target_generator`` is
                ``DataSampleTarget``; otherwise unused.

        Returns:
            Dict[str, Tensor]: ``loss``.
        """
        target = self.reconstruction_target(inputs, data_samples)
        with attention_kernel_for(inputs, visible_tokens(self.backbone)):
            latent, mask, ids_restore = self.backbone(inputs)
        pred = self.neck(latent, ids_restore)
        return dict(loss=self.head.loss(pred, target, mask))


@MODELS.register_module()
class PixMIMMFF(ReconstructionTargetMixin, MFF):
    """PixMIM with MFF (multi-level feature fusion MAE) as the host.

    Identical to MMPretrain's ``MFF`` except that the head reconstructs
    ``target_generator(inputs)``; the fusion weights are still logged as ``weight_{i}``.
    Arguments are those of :class:`PixMIM`, with an ``MFFViT`` backbone.
    """

    default_target_generator = DEFAULT_TARGET_GENERATOR

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """MFF's loss with the low-pass target.

        Args:
            inputs (Tensor): Preprocessed images ``(B, 3, H, W)``.
            data_samples (List[DataSample]): Carry the target when ``target_generator`` is
                ``DataSampleTarget``; otherwise unused.

        Returns:
            Dict[str, Tensor]: ``loss`` and the fusion weights ``weight_{i}``.
        """
        target = self.reconstruction_target(inputs, data_samples)
        with attention_kernel_for(inputs, visible_tokens(self.backbone)):
            latent, mask, ids_restore, weights = self.backbone(inputs)
        pred = self.neck(latent, ids_restore)
        losses = dict(loss=self.head.loss(pred, target, mask))
        losses.update({f'weight_{i}': weights[i] for i in range(weights.size(0))})
        return losses
