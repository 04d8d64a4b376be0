"""Simple feature pyramid of ViTDet (Li et al., "Exploring Plain Vision Transformer Backbones
for Object Detection", ECCV 2022), for detection with a plain (single-scale) ViT."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

SUPPORTED_SCALES = (4.0, 2.0, 1.0, 0.5)


def _resolve_norm(norm_cfg: Optional[dict]) -> Optional[dict]:
    """Replace a norm type name by its class, looked up in MMPretrain's registry.

    ``build_norm_layer`` resolves names in the current default scope, so ``'LN2d'`` (which
    lives in MMPretrain) would not be found when the neck is built from a bare script; the
    MMPretrain registry also reaches mmcv's ``BN``/``GN``/``LN``/``SyncBN`` through its parent.
    """
    if norm_cfg is None or not isinstance(norm_cfg.get('type'), str):
        return norm_cfg
    layer = MODELS.get(norm_cfg['type'])
    if layer is None:
        raise KeyError(f"SimpleFeaturePyramid: norm_cfg type {norm_cfg['type']!r} is not a "
                       f'registered norm layer (e.g. LN2d, BN, GN, SyncBN)')
    return dict(norm_cfg, type=layer)


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """Build a multi-scale pyramid from the last (stride-16) feature map of a plain ViT.

    Each output level is made from the single input map alone, with no top-down or lateral
    connections: scale 4 = two stride-2 transposed convolutions (norm and GELU between them)
    that halve the channels each time, scale 2 = one transposed convolution that halves
    them, scale 1 = the map itself, scale 0.5 = 2x2 max pooling. Every level then goes
    through a 1x1 and a 3x3 convolution, each followed by a norm (channel-wise LayerNorm in
    ViTDet) and no activation. Levels beyond ``scale_factors`` (``num_outs``) come from
    stride-2 subsampling of the last one (ViTDet's ``LastLevelMaxPool``, P6 for the RPN).

    With a stride-16 ViT and the default scales the outputs have strides 4, 8, 16, 32 (and 64
    for the fifth level), the strides Mask R-CNN's RPN and RoI extractors expect.

    Args:
        in_channels (int): Channels of the backbone feature map (768 for ViT-B).
        out_channels (int): Channels of every output level. Defaults to 256.
        scale_factors (Sequence[float]): Resolution of each level relative to the input
            map; each one of 4, 2, 1, 0.5. Defaults to ``(4.0, 2.0, 1.0, 0.5)``.
        num_outs (int): Number of outputs, ``>= len(scale_factors)``. Defaults to 5.
        in_index (int): Which map to use when the backbone returns several. Defaults to -1.
        norm_cfg (dict): Norm after every convolution and inside the scale-4 branch.
            Defaults to ``dict(type='LN2d', eps=1e-6)``.
        act_cfg (dict): Activation inside the scale-4 branch. Defaults to GELU.
        init_cfg (dict | list[dict], optional): Initialization config. Defaults to Xavier
            uniform for the convolutions, as mmdet's FPN.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int = 256,
        scale_factors: Sequence[float] = SUPPORTED_SCALES,
        num_outs: int = 5,
        in_index: int = -1,
        norm_cfg: dict = dict(type='LN2d', eps=1e-6),
        act_cfg: dict = dict(type='GELU'),
        init_cfg: Optional[Union[dict, list]] = dict(
            type='Xavier', layer=['Conv2d', 'ConvTranspose2d'], distribution='uniform')
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        scale_factors = tuple(float(s) for s in scale_factors)
        unsupported = [s for s in scale_factors if s not in SUPPORTED_SCALES]
        if not scale_factors or unsupported:
            raise ValueError(f'SimpleFeaturePyramid: scale_factors must be taken from '
                             f'{SUPPORTED_SCALES}, got {scale_factors}')
        if num_outs < len(scale_factors):
            raise ValueError(f'SimpleFeaturePyramid: num_outs={num_outs} is smaller than the '
                             f'{len(scale_factors)} scale_factors')
        if in_channels % 4 and 4.0 in scale_factors:
            raise ValueError(f'SimpleFeaturePyramid: in_channels={in_channels} must be '
                             f'divisible by 4 for the scale-4 level')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.scale_factors = scale_factors
        self.num_outs = num_outs
        self.in_index = in_index
        norm_cfg = _resolve_norm(norm_cfg)

        self.stages = nn.ModuleList()
        for scale in scale_factors:
            resample, channels = self._resample(scale, in_channels, norm_cfg, act_cfg)
            self.stages.append(
                nn.Sequential(
                    resample,
                    ConvModule(channels, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None),
                    ConvModule(
                        out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg, act_cfg=None)))

    @staticmethod
    def _resample(scale: float, channels: int, norm_cfg: Optional[dict],
                  act_cfg: Optional[dict]) -> Tuple[nn.Module, int]:
        """The layers that bring the input map to ``scale`` and their output channels."""
        if scale == 4.0:
            layers = [nn.ConvTranspose2d(channels, channels // 2, 2, stride=2)]
            if norm_cfg is not None:
                layers.append(build_norm_layer(norm_cfg, channels // 2)[1])
            if act_cfg is not None:
                layers.append(MODELS.build(act_cfg))
            layers.append(nn.ConvTranspose2d(channels // 2, channels // 4, 2, stride=2))
            return nn.Sequential(*layers), channels // 4
        if scale == 2.0:
            return nn.ConvTranspose2d(channels, channels // 2, 2, stride=2), channels // 2
        if scale == 1.0:
            return nn.Identity(), channels
        return nn.MaxPool2d(kernel_size=2, stride=2), channels

    def forward(self, inputs: Union[torch.Tensor,
                                    Sequence[torch.Tensor]]) -> Tuple[torch.Tensor, ...]:
        """Build the pyramid.

        Args:
            inputs (Tensor | Sequence[Tensor]): The backbone's ``(B, C, H, W)`` map, or the
                tuple of maps a backbone returns (``in_index`` picks one).

        Returns:
            tuple[Tensor]: ``num_outs`` maps ``(B, out_channels, H * s, W * s)``, from the
            finest to the coarsest.
        """
        x = inputs if torch.is_tensor(inputs) else inputs[self.in_index]
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'SimpleFeaturePyramid expects a (B, {self.in_channels}, H, W) '
                             f'map, got {tuple(x.shape)} (use out_type="featmap" in the ViT)')
        outs = [stage(x) for stage in self.stages]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], kernel_size=1, stride=2))
        return tuple(outs)
