"""Test (and evaluate) a checkpoint with a config (MMPretrain-style entry point).

Examples::

    python tools/test.py CONFIG CHECKPOINT [--out results.pkl] [--work-dir DIR]
    bash tools/dist_test.sh CONFIG CHECKPOINT 8 [same options]
"""
import argparse
import os
import os.path as osp

import mmengine
from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401  (registers models, hooks, backends, safe globals)
from mixmim_mm.engine.launch_utils import setup_cpu_distributed, shutdown_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint with mixmim_mm + MMPretrain')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the folder for logs and the metrics file')
    parser.add_argument(
        '--out', help='write predictions (a .pkl file) or, with --out-item metrics, metrics')
    parser.add_argument(
        '--out-item', choices=['metrics', 'pred'], help='what --out holds; defaults to predictions')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs merged into the config')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.out is None and args.out_item is not None:
        parser.error('--out-item needs --out')
    if args.out is not None and args.out_item in (None, 'pred') and not args.out.endswith('.pkl'):
        parser.error(f'--out must end with .pkl for predictions, got {args.out}')
    return args


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    cfg.launcher = args.launcher
    cfg.setdefault('default_scope', 'mmpretrain')
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = merge_args(Config.fromfile(args.config), args)
    for key in ('test_dataloader', 'test_cfg', 'test_evaluator'):
        if cfg.get(key) is None:
            raise ValueError(f'{args.config} has no `{key}`; tools/test.py needs '
                             'test_dataloader, test_cfg and test_evaluator')
    setup_cpu_distributed(cfg, args.launcher)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if args.out and args.out_item in (None, 'pred'):
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics':
        mmengine.dump(metrics, args.out)
    shutdown_distributed()


if __name__ == '__main__':
    main()
