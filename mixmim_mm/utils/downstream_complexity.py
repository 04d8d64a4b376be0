"""FLOPs and parameters of classifiers, Mask R-CNN detectors and segmentors, counted the way
the MixMAE paper's Table 4 evidently was.

A two-stage detector's cost depends on how many boxes reach its RoI heads, which tracing a
real image leaves to chance (NMS, score threshold). We count the test-time maxima of mmdet
and detectron2 (``rpn.max_per_img=1000`` proposals through the box head,
``rcnn.max_per_img=100`` detections through the mask head): FLOPs = backbone + FPN + RPN head
on the padded image, + box head on 1000 RoI features, + mask head on 100. RoIAlign, NMS and
box decoding are not counted (fvcore and mmengine do not count them either). Segmentors
count the encoder and decode head (the auxiliary head is training-only).

Everything runs on the ``meta`` device (:mod:`.meta_flops`), so a Swin-L Mask R-CNN at
1024x1024 is counted in seconds on a CPU.

Parameters: all ``nn.Parameter`` elements, optionally without the backbone's absolute
position embedding, a frozen sin-cos table that grows with the ``img_size`` grid (8.4M
numbers for Swin-B at 1024 px) and that the paper's counts do not include.
"""
import copy
from typing import Sequence, Tuple

import torch
import torch.nn as nn

from .meta_flops import count_flops_meta

NUM_PROPOSALS = 1000
NUM_DETECTIONS = 100


class _Dense(nn.Module):
    """``backbone -> neck -> head`` as one module, for the image-level part of the count."""

    def __init__(self, backbone, neck=None, head=None):
        super().__init__()
        self.backbone, self.neck, self.head = backbone, neck, head

    def forward(self, x):
        x = self.backbone(x)
        if self.neck is not None:
            x = self.neck(x)
        return self.head(x) if self.head is not None else x


def count_params(model: nn.Module, with_pos_embed: bool = True) -> int:
    """Number of parameter elements; ``with_pos_embed=False`` leaves out
    ``backbone.absolute_pos_embed`` (a fixed table, see the module docstring)."""
    total = sum(p.numel() for p in model.parameters())
    backbone = getattr(model, 'backbone', model)
    pos = getattr(backbone, 'absolute_pos_embed', None)
    if not with_pos_embed and isinstance(pos, nn.Parameter):
        total -= pos.numel()
    return total


def mask_rcnn_flops(model: nn.Module,
                    img_shape: Tuple[int, int],
                    num_proposals: int = NUM_PROPOSALS,
                    num_detections: int = NUM_DETECTIONS) -> int:
    """Test-time FLOPs of an mmdet two-stage detector with box and mask heads.

    Args:
        model (nn.Module): e.g. ``MaskRCNN``; not modified (copies are counted).
        img_shape (tuple[int, int]): Padded input ``(H, W)``.
        num_proposals (int): RoIs through the box head.
        num_detections (int): RoIs through the mask head.
    """
    model = copy.deepcopy(model).eval()
    image = _Dense(model.backbone, model.neck, model.rpn_head)
    flops = count_flops_meta(image, torch.zeros(1, 3, *img_shape))
    roi_head = model.roi_head
    for head, extractor, num in ((roi_head.bbox_head, roi_head.bbox_roi_extractor, num_proposals),
                                 (getattr(roi_head, 'mask_head',
                                          None), getattr(roi_head, 'mask_roi_extractor',
                                                         None), num_detections)):
        if head is None:
            continue
        size = extractor.roi_layers[0].output_size
        size = tuple(size) if isinstance(size, Sequence) else (size, size)
        flops += count_flops_meta(head, torch.zeros(num, extractor.out_channels, *size))
    return flops


def segmentor_flops(model: nn.Module, img_shape: Tuple[int, int]) -> int:
    """Inference FLOPs of an mmseg encoder-decoder on one ``(H, W)`` crop (no auxiliary head)."""
    model = copy.deepcopy(model).eval()
    neck = model.neck if getattr(model, 'with_neck', False) else None
    return count_flops_meta(
        _Dense(model.backbone, neck, model.decode_head), torch.zeros(1, 3, *img_shape))


def classifier_flops(model: nn.Module, img_shape: Tuple[int, int]) -> int:
    """FLOPs of an MMPretrain ``ImageClassifier`` (backbone, neck and head) on one image."""
    model = copy.deepcopy(model).eval()
    return count_flops_meta(model, torch.zeros(1, 3, *img_shape), mode='tensor')
