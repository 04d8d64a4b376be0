"""Convert an MMPretrain MixMIM checkpoint (pretraining or classifier) to mixmim_mm keys.

    python tools/model_converters/mmpretrain_mixmim_to_mixmim_mm.py SRC.pth DST.pth

Anything that is not a complete MMPretrain MixMIM model (another model's checkpoint, a missing
encoder or decoder weight) is refused with the expected and the found keys; nothing is written.
"""
import argparse

from mixmim_mm.converters import convert_mmpretrain_mixmim, load_state_dict_file
from mixmim_mm.converters.backbone_only import save_converted_checkpoint


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='MMPretrain MixMIM checkpoint')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args()
    converted = convert_mmpretrain_mixmim(load_state_dict_file(args.src), source=args.src)
    print(save_converted_checkpoint(converted, args.src, args.dst, 'mmpretrain_mixmim'))


if __name__ == '__main__':
    main()
