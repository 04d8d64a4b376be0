"""Convert the encoder of a MixMAE PVT / Twins-SVT / ViT checkpoint for OpenMMLab's backbones.

    python tools/model_converters/mixmae_encoder_to_openmmlab.py SRC.pth DST.pth \
        --encoder {pvt,svt,vit} [--target {mmdet,mmpretrain,mmseg}] [--prefix backbone.]

SRC: a pretraining (``epoch_600.pth``) or classification checkpoint of ``MixMAEPVT``,
``MixMAESVT`` or ``MixMAEViT``. DST holds bare backbone keys for mmdet's
``PyramidVisionTransformer`` (``--encoder pvt``), MMPretrain's ``SVT`` (``--encoder svt``,
also used in mmdet configs) or mmseg's ``SVT`` (``--target mmseg``), or MMPretrain's
``VisionTransformer`` (``--encoder vit``), for ``init_cfg=dict(type='Pretrained',
checkpoint=DST)``. See mixmim_mm/converters/mixmae_encoders.py for the key maps.
"""
import argparse

import torch

from mixmim_mm.converters import load_state_dict_file, save_checkpoint_file
from mixmim_mm.converters.mixmae_encoders import ENCODERS, convert_mixmae_encoder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='a MixMAE PVT / Twins-SVT / ViT checkpoint')
    parser.add_argument('dst', help='where to write the backbone-only checkpoint')
    parser.add_argument('--encoder', required=True, choices=ENCODERS)
    parser.add_argument(
        '--target',
        default=None,
        choices=('mmdet', 'mmpretrain', 'mmseg'),
        help='the package whose backbone loads DST (default: mmdet for pvt, '
        'mmpretrain for svt and vit)')
    parser.add_argument(
        '--prefix',
        default=None,
        help="the encoder's key prefix in SRC (default: 'backbone.' when SRC "
        'holds a whole model)')
    args = parser.parse_args()
    with torch.serialization.safe_globals([argparse.Namespace]):
        state = load_state_dict_file(args.src)
    converted = convert_mixmae_encoder(
        state, args.encoder, args.target, args.prefix, source=args.src)
    save_checkpoint_file(
        converted,
        args.dst,
        meta=dict(
            converted_from=args.src,
            converter='mixmae_encoder_to_'
            f'openmmlab ({args.encoder} -> {args.target or "default"})'))
    print(f'wrote {len(converted)} {args.encoder} encoder tensors to {args.dst}')


if __name__ == '__main__':
    main()
