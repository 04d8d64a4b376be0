"""Convert a checkpoint of the FastMIM authors (github.com/ggjy/FastMIM.pytorch) to mixmim_mm keys.

    python tools/model_converters/official_fastmim_to_mixmim_mm.py SRC.pth DST.pth \
        [--kind {vit-pretrain,swin-pretrain,vit-finetune,swin-finetune,pvtv2-finetune}]

Pretraining checkpoints (ViT-B 800e, Swin-B 400e) become ``FastMIM`` state dicts
(``backbone.*``, ``neck.*``, ``mask_token``), fine-tuned classifiers (ViT-B, Swin-B,
PVTv2-B2) ``ImageClassifier`` ones (``backbone.*``, ``head.fc.*``). The kind is read off the
keys; ``--kind`` makes the tool refuse any other. DST is written atomically, and not at all
when the conversion fails. See mixmim_mm/converters/official_fastmim.py for the key maps.
"""
import argparse

import torch

from mixmim_mm.converters import load_state_dict_file, save_checkpoint_file
from mixmim_mm.converters.official_fastmim import (KINDS, convert_official_fastmim,
                                                   detect_official_fastmim)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="the authors' checkpoint (.pth)")
    parser.add_argument('dst', help='where to write the converted checkpoint')
    parser.add_argument(
        '--kind', choices=KINDS, default=None, help='the expected kind (default: detect it)')
    args = parser.parse_args()
    # The authors' training script saves its argparse.Namespace next to the weights;
    # allow exactly that class in the weights-only load (it only holds plain values).
    with torch.serialization.safe_globals([argparse.Namespace]):
        state = load_state_dict_file(args.src)
    converted = convert_official_fastmim(state, args.kind, source=args.src)
    kind = args.kind or detect_official_fastmim(state)
    save_checkpoint_file(
        converted,
        args.dst,
        meta=dict(converted_from=args.src, converter=f'official_fastmim ({kind})'))
    print(f"wrote {len(converted)} tensors of an authors' FastMIM {kind} checkpoint to "
          f'{args.dst}')


if __name__ == '__main__':
    main()
