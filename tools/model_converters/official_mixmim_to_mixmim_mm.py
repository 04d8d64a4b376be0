"""Convert a checkpoint of the MixMIM authors (github.com/Sense-X/MixMIM) to mixmim_mm keys.

    python tools/model_converters/official_mixmim_to_mixmim_mm.py SRC.pth DST.pth

Pretraining checkpoints become ``MixMAE`` state dicts (``backbone.*``, ``neck.*``), fine-tuned
classifiers ``ImageClassifier`` ones (``backbone.*``, ``head.fc.*``).
"""
import argparse

import torch

from mixmim_mm.converters import load_state_dict_file, save_checkpoint_file
from mixmim_mm.converters.backbone_only import infer_backbone_arch
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
    arch = infer_backbone_arch(
        {k[len('backbone.'):]: v for k, v in converted.items() if k.startswith('backbone.')})
    save_checkpoint_file(converted, args.dst,
                         meta=dict(converted_from=args.src, converter='official_mixmim',
                                   backbone_arch=arch))
    print(f'wrote {len(converted)} tensors to {args.dst}; encoder: embed_dims='
          f'{arch["embed_dims"]}, depths={arch["depths"]}, num_heads={arch["num_heads"]}')


if __name__ == '__main__':
    main()
