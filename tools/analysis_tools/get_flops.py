"""FLOPs and parameters of a classification, detection (Mask R-CNN) or segmentation config.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W]

Counts on the meta device (no real compute, seconds even for Swin-L Mask R-CNN at 1024 px),
with mmengine's rules (one multiply-add = one FLOP) and the conventions of
mixmim_mm/utils/downstream_complexity.py: Mask R-CNN with 1000 proposals through the box head
and 100 detections through the mask head, segmentors without the auxiliary head. Default
input: 1024x1024 for detectors, 512x512 for segmentors, the test crop for classifiers.
"""
import argparse
import copy

from mmengine.config import Config
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401
from mixmim_mm.utils.downstream_complexity import (classifier_flops, count_params, mask_rcnn_flops,
                                                   segmentor_flops)


def build(cfg):
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.get('backbone', {}).get('init_cfg') is not None:
        model_cfg.backbone.init_cfg = None  # architecture only, no checkpoint needed
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    return registry.build(model_cfg).eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input size (default: see the module docstring)')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    model = build(cfg)
    if hasattr(model, 'roi_head'):
        shape = tuple(args.shape or (1024, 1024))
        flops = mask_rcnn_flops(model, shape)
    elif hasattr(model, 'decode_head'):
        shape = tuple(args.shape or (512, 512))
        flops = segmentor_flops(model, shape)
    else:
        crops = [
            t.get('crop_size') for t in cfg.test_dataloader.dataset.pipeline
            if t.type == 'CenterCrop'
        ]
        size = crops[0] if crops else 224
        shape = tuple(args.shape or (size, size))
        flops = classifier_flops(model, shape)
    print(f'{args.config}\n  input {shape[0]}x{shape[1]}: {flops / 1e9:.2f} GFLOPs, '
          f'{count_params(model) / 1e6:.2f}M params '
          f'({count_params(model, with_pos_embed=False) / 1e6:.2f}M without the fixed '
          'position table)')


if __name__ == '__main__':
    main()
