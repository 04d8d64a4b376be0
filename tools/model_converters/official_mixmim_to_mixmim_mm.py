"""Convert a checkpoint of the MixMIM authors (github.com/Sense-X/MixMIM) to mixmim_mm keys.

    python tools/model_converters/official_mixmim_to_mixmim_mm.py SRC.pth DST.pth

Pretraining checkpoints become ``MixMAE`` state dicts (``backbone.*``, ``neck.*``), fine-tuned
classifiers ``ImageClassifier`` ones (``backbone.*``, ``head.fc.*``).
"""
import argparse

import torch

from mixmim_mm.converters import load_state_dict_file
from mixmim_mm.converters.backbone_only import save_converted_checkpoint
from mixmim_mm.converters.official_mixmim import convert_official_mixmim


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="the authors' checkpoint (.pth)")
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args()
    # The authors' training script saves its argparse.Namespace next to the weights;
    # allow exactly that class in the weights-only load (it only holds plain values).
    with torch.serialization.safe_globals([argparse.Namespace]):
        state = load_state_dict_file(args.src)
    converted = convert_official_mixmim(state, source=args.src)
    print(save_converted_checkpoint(converted, args.src, args.dst, 'official_mixmim'))


if __name__ == '__main__':
    main()
