"""FastMIM (Guo et al., "FastMIM: Expediting Masked Image Modeling Pre-training for Vision").

SimMIM-style masked image modelling made cheap: pretrain at low resolution (128 px), mask
the image itself with one learnable RGB value in per-sample random blocks of the encoder's
last-stage stride, keep every token, and regress HOG features of the unmasked image on the
masked tokens with a light decoder. The encoder is any backbone that takes an image.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones import SwinTransformer, VisionTransformer
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...utils.deprecation import renamed_argument
from ..utils.attention_backend import attention_kernel_for
from ..utils.mask_sampling import sample_block_mask, upsample_group_ids
from ..utils.weight_init import init_transformer_weights
from .reconstruction_target import ReconstructionTargetMixin

INIT_STYLES = ('official', 'mmpretrain')


def loads_checkpoint(module: nn.Module) -> bool:
    """Whether ``module``'s ``init_cfg`` loads a checkpoint (then nothing is re-drawn)."""
    cfgs = module.init_cfg if isinstance(module.init_cfg, list) else [module.init_cfg]
    return any(isinstance(c, dict) and c.get('type') == 'Pretrained' for c in cfgs)


def init_encoder_as_fastmim_authors(encoder: nn.Module) -> None:
    """The encoder initialisation of the FastMIM authors' ``mim_vit_pretrain.py`` and
    ``mim_swin_pretrain.py``: every ``Linear`` xavier_uniform with zero bias and every
    LayerNorm the identity (their ``_init_weights`` applied to the whole model, Swin
    included); for ViT also the patch embedding xavier_uniform on its ``(out, in*k*k)``
    matrix and the class token N(0, 0.02). Other encoders are left as they are (the
    authors publish no FastMIM code for them)."""
    if not isinstance(encoder, (VisionTransformer, SwinTransformer)):
        return
    init_transformer_weights(encoder)
    if isinstance(encoder, VisionTransformer):
        weight = encoder.patch_embed.projection.weight
        with torch.no_grad():
            nn.init.xavier_uniform_(weight.view(weight.shape[0], -1))
        if getattr(encoder, 'cls_token', None) is not None:
            nn.init.normal_(encoder.cls_token, std=.02)


@MODELS.register_module()
class FastMIM(ReconstructionTargetMixin, BaseSelfSupervisor):
    """FastMIM pretraining around any image backbone.

    One step: compute the target on the whole unmasked image (``target_generator``, HOG by
    default; None reconstructs the image itself, normalised per patch by the head), draw a
    per-sample block mask with ``mask_ratio`` of the ``mask_unit``-pixel cells masked, replace
    the masked pixels by the learnable RGB ``mask_token`` (``X * S + [M] * (1 - S)``, in the
    data preprocessor's normalised space), encode, decode every token and take the l2 loss on
    the masked tokens. ``mask_unit`` must equal the stride of the backbone's last feature map
    (16 for ViT/16, 32 for Swin, ConvNeXt, PVT, Twins) so that one token is one mask cell;
    prefix tokens (a class token) pass through the decoder and are dropped before the loss.

    Args:
        backbone (dict): Encoder config; its last output must be a ``(B, C, h, w)`` map or
            ``(B, [extra +] h*w, C)`` tokens.
        neck (dict): Decoder config, e.g. :class:`FastMIMDecoder`.
        head (dict): Loss head config, e.g. :class:`FastMIMHead`.
        target_generator (dict, optional): Target on the unmasked image, e.g.
            ``HOGTargetGenerator`` or ``LowPassTargetGenerator``; ``DataSampleTarget`` to
            read a target computed in the data pipeline (``HOGTarget`` with
            ``pixel_space=False``, ``LowPassTarget``); None for pixels. Defaults to None.
        mask_ratio (float): Fraction of masked cells, 0.5..0.85 is the paper's stable range.
            Defaults to 0.75.
        mask_unit (int): Mask cell side in pixels (the name and unit of every method's mask
            cell). Defaults to 16.
        pretrained (str, optional): Checkpoint to initialise from. Defaults to None.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
        init_style (str): ``'official'`` starts as the authors' code does (the paper is
            silent): xavier_uniform for every ``Linear`` of a ViT or Swin encoder (zero bias,
            LayerNorm identity), the ViT patch embedding xavier_uniform as an
            ``(out, in*k*k)`` matrix and its class token N(0, 0.02), the mask token N(0, 0.02)
            (:func:`init_encoder_as_fastmim_authors`; other encoders keep their own
            initialisation). ``'mmpretrain'``: the encoder's own ``init_cfg`` and a truncated
            normal mask token (this package's earlier default). An encoder or model loaded
            from a checkpoint is never re-initialised. Defaults to ``'official'``.
        mask_block (int, optional): Deprecated name of ``mask_unit`` (same unit), accepted
            with a ``FutureWarning``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 target_generator: Optional[dict] = None,
                 mask_ratio: float = 0.75,
                 mask_unit: int = 16,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None,
                 init_style: str = 'official',
                 mask_block: Optional[int] = None) -> None:
        mask_unit = renamed_argument('FastMIM', 'mask_block', mask_block, 'mask_unit', mask_unit,
                                     16)
        if not 0. < mask_ratio < 1.:
            raise ValueError(f'FastMIM: mask_ratio must be in (0, 1), got {mask_ratio}')
        if mask_unit < 1:
            raise ValueError(f'FastMIM: mask_unit must be >= 1, got {mask_unit}')
        if init_style not in INIT_STYLES:
            raise ValueError(f'FastMIM: init_style must be one of {INIT_STYLES}, got '
                             f'{init_style!r}')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            target_generator=target_generator,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.mask_ratio = mask_ratio
        self.mask_unit = mask_unit
        self.init_style = init_style
        self.mask_token = nn.Parameter(torch.zeros(1, 3, 1, 1))
        if self.with_target_generator:
            stride = self.target_generator.token_stride
            if stride is not None and stride != mask_unit:
                raise ValueError(f'FastMIM: target_generator.token_stride={stride} differs '
                                 f'from mask_unit={mask_unit}; targets must be per mask cell')

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_style == 'mmpretrain':
            trunc_normal_(self.mask_token, std=.02)
            return
        nn.init.normal_(self.mask_token, std=.02)
        if not (loads_checkpoint(self) or loads_checkpoint(self.backbone)):
            init_encoder_as_fastmim_authors(self.backbone)

    def extract_feat(self, inputs: torch.Tensor):
        """Encoder features of unmasked images."""
        return self.backbone(inputs)

    def mask_grid(self, inputs: torch.Tensor) -> Tuple[int, int]:
        """The ``(gh, gw)`` mask grid of a batch, with a clear error for a bad size."""
        h, w = inputs.shape[-2:]
        if h % self.mask_unit or w % self.mask_unit:
            raise ValueError(f'FastMIM: input size {h}x{w} is not divisible by '
                             f'mask_unit={self.mask_unit}')
        return h // self.mask_unit, w // self.mask_unit

    def mask_inputs(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Replace the pixels of masked cells by the mask token.

        Args:
            inputs (Tensor): ``(B, 3, H, W)`` preprocessed images.
            mask (Tensor): ``(B, gh, gw)`` bool, True where masked.

        Returns:
            Tensor: The masked images.
        """
        pixel_mask = upsample_group_ids(mask.long(), inputs.shape[-2:]).bool()[:, None]
        return torch.where(pixel_mask, self.mask_token.to(inputs.dtype), inputs)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """FastMIM loss of a batch.

        Args:
            inputs (Tensor): ``(B, 3, H, W)`` preprocessed images.
            data_samples (List[DataSample]): Carry the target when it was computed in the
                data pipeline (``DataSampleTarget``).

        Returns:
            Dict[str, Tensor]: ``loss``.
        """
        if not torch.is_tensor(inputs) or inputs.dim() != 4:
            raise ValueError('FastMIM expects stacked (B, 3, H, W) inputs (use '
                             "collate_fn=dict(type='default_collate'))")
        grid = self.mask_grid(inputs)
        target = self.reconstruction_target(inputs, data_samples)
        num_cells = grid[0] * grid[1]
        if target.dim() == 3 and target.shape[1] != num_cells:
            source = getattr(self.target_generator, 'key', None)
            source = (f"the data samples' '{source}'"
                      if source else type(self.target_generator).__name__)
            raise ValueError(f'FastMIM: {source} gives {target.shape[1]} target tokens for '
                             f'a {grid[0]}x{grid[1]} mask grid of {self.mask_unit}-px cells; '
                             f'its token_stride must equal mask_unit')
        mask = sample_block_mask(inputs.shape[0], grid, self.mask_ratio, device=inputs.device)
        masked = self.mask_inputs(inputs, mask)
        if isinstance(self.backbone, VisionTransformer):
            # One sequence of patches and the class token: short at FastMIM's resolution.
            with attention_kernel_for(masked, num_cells + 1):
                features = self.backbone(masked)
        else:
            features = self.backbone(masked)
        pred = self.neck(features)
        if pred.shape[1] < num_cells or (pred.shape[1] - num_cells) > 1:
            raise ValueError(f'FastMIM: the backbone gives {pred.shape[1]} tokens for a '
                             f'{grid[0]}x{grid[1]} mask grid; mask_unit={self.mask_unit} must '
                             f'be the stride of the last feature map')
        pred = pred[:, pred.shape[1] - num_cells:]
        return dict(loss=self.head.loss(pred, target, mask.flatten(1)))
