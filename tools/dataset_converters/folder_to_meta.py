"""Write MMPretrain ``CustomDataset`` label files for a class-per-folder image tree.

    python tools/dataset_converters/folder_to_meta.py data/imagenette2-160

reads ``DIR/train/<class>/*`` and ``DIR/val/<class>/*`` (e.g. fast.ai's Imagenette archives,
github.com/fastai/imagenette) and writes ``DIR/meta/train.txt`` and ``DIR/meta/val.txt``
(lines ``<class>/<file> <index>``, classes numbered in sorted folder order, the same in both
splits) and ``DIR/meta/classes.txt``: the layout of ``configs/_base_/datasets/imagenette_*.py``
and ``tools/analysis_tools/representation_benchmark.py --data DIR``.
"""
import argparse
import os
import os.path as osp
import sys

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def list_split(root, split):
    """``(sorted class names, [(relative path, class name), ...])`` of ``root/split``."""
    split_dir = osp.join(root, split)
    if not osp.isdir(split_dir):
        raise FileNotFoundError(f'{split_dir}: no such folder (expected {split}/<class>/<image>)')
    classes = sorted(d for d in os.listdir(split_dir) if osp.isdir(osp.join(split_dir, d)))
    items = [(f'{c}/{f}', c) for c in classes for f in sorted(os.listdir(osp.join(split_dir, c)))
             if f.lower().endswith(IMAGE_EXTENSIONS)]
    if not items:
        raise ValueError(f'{split_dir}: no images in class folders')
    return classes, items


def write_meta(root, splits=('train', 'val')):
    listed = {split: list_split(root, split) for split in splits}
    classes = listed[splits[0]][0]
    for split, (names, _) in listed.items():
        if names != classes:
            raise ValueError(f'{osp.join(root, split)} has classes {names}, '
                             f'{osp.join(root, splits[0])} has {classes}: they must match')
    index = {c: i for i, c in enumerate(classes)}
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split, (_, items) in listed.items():
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.writelines(f'{path} {index[c]}\n' for path, c in items)
    with open(osp.join(root, 'meta', 'classes.txt'), 'w') as f:
        f.writelines(f'{c}\n' for c in classes)
    return {split: len(items) for split, (_, items) in listed.items()}, classes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='folder with train/<class>/ and val/<class>/')
    args = parser.parse_args(argv)
    try:
        counts, classes = write_meta(args.root)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(f'{len(classes)} classes; ' + ', '.join(f'{split}: {n} images'
                                                  for split, n in counts.items()) +
          f'; written to {osp.join(args.root, "meta")}')


if __name__ == '__main__':
    main()
