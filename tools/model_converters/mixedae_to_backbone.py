"""Extract the ViT encoder of a MixedAE checkpoint for fine-tuning and mmdet/mmseg.

    python tools/model_converters/mixedae_to_backbone.py SRC.pth DST.pth [--prefix backbone.]

SRC is a MixedAE pretraining checkpoint (e.g. ``epoch_1600.pth``) or a bare encoder. DST
holds bare MMPretrain ``VisionTransformer`` keys without the decoder, the reconstruction head
and the contrastive projector, for ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse

import torch

from mixmim_mm.converters import load_state_dict_file, save_checkpoint_file
from mixmim_mm.converters.vit_backbone import infer_vit_arch, vit_backbone_state_dict


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='a MixedAE checkpoint')
    parser.add_argument('dst', help='where to write the encoder-only checkpoint')
    parser.add_argument(
        '--prefix',
        default=None,
        help="the encoder's key prefix in SRC (default: 'backbone.' when SRC "
        'holds a whole model)')
    args = parser.parse_args(argv)
    with torch.serialization.safe_globals([argparse.Namespace]):
        state = load_state_dict_file(args.src)
    backbone = vit_backbone_state_dict(state, args.prefix, source=args.src)
    arch = infer_vit_arch(backbone)
    save_checkpoint_file(
        backbone,
        args.dst,
        meta=dict(converted_from=args.src, converter='mixedae_to_backbone', backbone_arch=arch))
    print(f'wrote {len(backbone)} encoder tensors to {args.dst}; embed_dims='
          f'{arch["embed_dims"]}, num_layers={arch["num_layers"]}')


if __name__ == '__main__':
    main()
