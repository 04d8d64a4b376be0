"""Convert an MMPretrain MixMIM checkpoint (pretraining or classifier) to mixmim_mm keys.

    python tools/model_converters/mmpretrain_mixmim_to_mixmim_mm.py SRC.pth DST.pth

Anything that is not a complete MMPretrain MixMIM model (another model's checkpoint, a missing
encoder or decoder weight) is refused with the expected and the found keys; nothing is written.
"""
import argparse

from mixmim_mm.converters import convert_mmpretrain_mixmim, load_state_dict_file, \
    save_checkpoint_file
from mixmim_mm.converters.backbone_only import infer_backbone_arch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='MMPretrain MixMIM checkpoint')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args()
    state = load_state_dict_file(args.src)
    converted = convert_mmpretrain_mixmim(state, source=args.src)
    bare = not any(k.startswith('backbone.') for k in converted)
    arch = infer_backbone_arch(converted if bare else {
        k[len('backbone.'):]: v for k, v in converted.items() if k.startswith('backbone.')})
    save_checkpoint_file(converted, args.dst,
                         meta=dict(converted_from=args.src, converter='mmpretrain_mixmim',
                                   backbone_arch=arch))
    print(f'wrote {len(converted)} tensors to {args.dst}; encoder: embed_dims='
          f'{arch["embed_dims"]}, depths={arch["depths"]}, num_heads={arch["num_heads"]}')


if __name__ == '__main__':
    main()
