"""Extract the encoder of a MixMAE checkpoint as a backbone-only checkpoint for mmdet/mmseg.

    python tools/model_converters/mixmae_to_backbone.py SRC.pth DST.pth [--prefix backbone.]

SRC may be a mixmim_mm pretraining or classification checkpoint (e.g. ``epoch_600.pth``), one
of the MixMIM authors, or an MMPretrain MixMIM checkpoint; its format is detected from the
keys. DST holds bare ``MixMAESwinTransformer`` keys, for
``backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=DST))``.
"""
import argparse

import torch

from mixmim_mm.converters import load_state_dict_file, save_checkpoint_file
from mixmim_mm.converters.backbone_only import (backbone_state_dict, detect_format,
                                                infer_backbone_arch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='a MixMAE / MixMIM checkpoint')
    parser.add_argument('dst', help='where to write the backbone-only checkpoint')
    parser.add_argument(
        '--prefix',
        default=None,
        help="the encoder's key prefix in SRC (default: 'backbone.' when SRC "
        'holds a whole model)')
    args = parser.parse_args()
    with torch.serialization.safe_globals([argparse.Namespace]):
        state = load_state_dict_file(args.src)
    fmt = detect_format(state)
    backbone = backbone_state_dict(state, args.prefix, source=args.src)
    arch = infer_backbone_arch(backbone)
    save_checkpoint_file(
        backbone,
        args.dst,
        meta=dict(
            converted_from=args.src,
            source_format=fmt,
            converter='mixmae_to_backbone',
            backbone_arch=arch))
    print(f'wrote {len(backbone)} encoder tensors ({fmt} format) to {args.dst}; '
          f'embed_dims={arch["embed_dims"]}, depths={arch["depths"]}')


if __name__ == '__main__':
    main()
