"""ConvMAE masked-autoencoder pretraining (and PixMIM on top of it via a target generator)."""
from typing import Dict, List, Union

import torch
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .reconstruction_target import ReconstructionTargetMixin


@MODELS.register_module()
class ConvMAE(ReconstructionTargetMixin, BaseSelfSupervisor):
    """ConvMAE: masked convolution meets masked autoencoders (Gao et al., NeurIPS 2022).

    The backbone (``ConvMAEViT``) masks 75% of the 16x16 blocks, encodes the visible ones with
    its hybrid convolution-transformer and fuses the multi-scale features; the neck
    (``ConvMAEPretrainDecoder``) predicts the pixels of every 16x16 block and the head
    (MMPretrain's ``MAEPretrainHead``, ``norm_pix=True``, ``patch_size=16``) takes the MSE on
    the masked blocks against per-patch normalised pixels.

    With ``target_generator`` set (e.g. ``dict(type='LowPassTargetGenerator', radius=40)``) the
    head reconstructs ``target_generator(inputs)`` instead of the input image; the encoder input
    is unchanged. That is PixMIM on the ConvMAE host. A generator with ``set_normalization``
    (``LowPassTargetGenerator``) receives the data preprocessor's mean/std at build time;
    ``DataSampleTarget`` reads the target a ``LowPassTarget`` pipeline transform computed.

    Args:
        backbone (dict): Encoder config, normally ``ConvMAEViT``.
        neck (dict): Decoder config, normally ``ConvMAEPretrainDecoder``.
        head (dict): Reconstruction head config, normally ``MAEPretrainHead``.
        target_generator (dict, optional): Builds the pixel target from the preprocessed
            batch ``(B, 3, H, W)``; None reconstructs the input itself.
        pretrained (str, optional): Deprecated checkpoint path (MMPretrain compatibility).
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict | list, optional): Initialisation config.
    """

    def __init__(self, backbone: dict, neck: dict, head: dict, **kwargs):
        if neck is None or head is None:
            raise ValueError('ConvMAE needs both a neck (decoder) and a head (loss)')
        super().__init__(backbone=backbone, neck=neck, head=head, **kwargs)
        # The low-pass target works in pixel units: hand it the preprocessor's mean/std.

    def extract_feat(self, inputs: torch.Tensor):
        """Unmasked encoder features (the backbone's ``out_type`` / ``out_indices``)."""
        return self.backbone(inputs, mask=False)

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Masked reconstruction loss.

        Args:
            inputs (torch.Tensor | list[torch.Tensor]): Preprocessed images ``(B, 3, H, W)``
                (a one-view list is accepted).
            data_samples (list[DataSample]): Carry the target when ``target_generator`` is
                ``DataSampleTarget``; otherwise unused.

        Returns:
            dict[str, torch.Tensor]: ``{'loss': ...}``.
        """
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        latent, mask, ids_restore = self.backbone(inputs, mask=True)
        pred = self.neck(latent, ids_restore)
        target = self.reconstruction_target(inputs, data_samples)
        return dict(loss=self.head.loss(pred, target, mask))
