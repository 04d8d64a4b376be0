"""Convert an MMPretrain MixMIM checkpoint (pretraining or classifier) to mixmim_mm keys.

    python tools/model_converters/mmpretrain_mixmim_to_mixmim_mm.py SRC.pth DST.pth
"""
import argparse

from mixmim_mm.converters import convert_mmpretrain_mixmim, load_state_dict_file, \
    save_checkpoint_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='MMPretrain MixMIM checkpoint')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args()
    converted = convert_mmpretrain_mixmim(load_state_dict_file(args.src))
    save_checkpoint_file(converted, args.dst, meta=dict(converted_from=args.src,
                                                        converter='mmpretrain_mixmim'))
    print(f'wrote {len(converted)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
