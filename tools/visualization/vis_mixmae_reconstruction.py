"""Draw a trained MixMAE's reconstructions as a PNG grid.

One row per mixed input: the N original images, the mixed input, the N reconstructions and the
N reconstructions with the visible units pasted back. Images come from the config's training
set (its random crops, seeded), or from any image folder with ``--data-root``.

Example::

    python tools/visualization/vis_mixmae_reconstruction.py \\
        configs/mixmae/mixmae_swin-mini_1xb32-1200iter_sample-images.py \\
        work_dirs/demo/iter_1200.pth --out work_dirs/demo/grid.png --num-inputs 4
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dataset import default_collate, pseudo_collate
from mmengine.registry import FUNCTIONS, init_default_scope
from mmengine.runner import load_checkpoint


def parse_args():
    parser = argparse.ArgumentParser(description='Draw MixMAE reconstructions as a PNG grid')
    parser.add_argument('config', help='training config of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', default='reconstruction.png', help='output PNG file')
    parser.add_argument(
        '--data-root', help='image folder to draw from (default: the config\'s data set)')
    parser.add_argument('--num-inputs', type=int, default=4, help='mixed inputs (grid rows)')
    parser.add_argument('--seed', type=int, default=0, help='seed for images, crops and masks')
    parser.add_argument(
        '--no-pasted', action='store_true', help='leave out the "reconstruction + visible" columns')
    parser.add_argument('--device', default='cpu', help='device to run the model on')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.num_images=2')
    return parser.parse_args()


def build_collate_fn(cfg):
    collate_cfg = dict(cfg.get('collate_fn', dict(type='pseudo_collate')))
    name = collate_cfg.pop('type')
    # A dict from an `mmpretrain::` base carries the registry scope, not an argument.
    collate_cfg.pop('_scope_', None)
    fn = {'default_collate': default_collate, 'pseudo_collate': pseudo_collate}.get(name)
    if fn is None:
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise KeyError(f'collate_fn {name!r} is not registered')
    return (lambda batch: fn(batch, **collate_cfg)) if collate_cfg else fn


def main():
    args = parse_args()
    if args.num_inputs < 1:
        raise SystemExit(f'--num-inputs must be >= 1, got {args.num_inputs}')
    cfg = Config.fromfile(args.config)  # also imports `custom_imports` (mixmim_mm)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.data_root:
        cfg.train_dataloader.dataset.data_root = args.data_root
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))

    from mmpretrain.registry import DATASETS, MODELS

    from mixmim_mm.visualization.reconstruction import (fetch_batch, preprocessor_mean_std,
                                                        reconstruct_batch, save_reconstruction_grid)

    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device).eval()

    # 'group' mixes disjoint sets of N images; 'flip' pairs image i with image B-1-i, so B
    # images give B mixed inputs (each pair twice, in both orders).
    if getattr(model, 'mix_mode', 'group') == 'group':
        num_images = args.num_inputs * model.num_images
    else:
        num_images = args.num_inputs + args.num_inputs % 2
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = fetch_batch(dataset, num_images, build_collate_fn(cfg.train_dataloader), args.seed)
    result = reconstruct_batch(model, batch, seed=args.seed)
    mean, std = preprocessor_mean_std(model)
    save_reconstruction_grid(
        result, args.out, mean, std, with_pasted=not args.no_pasted, max_rows=args.num_inputs)
    print(f'Saved {osp.abspath(args.out)}')


if __name__ == '__main__':
    main()
