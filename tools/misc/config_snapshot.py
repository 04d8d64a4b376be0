"""Snapshot every shipped config as mmengine resolves it, or check the configs against it.

For every ``.py`` file under ``configs/`` outside a ``_base_`` folder, ``Config.fromfile``
resolves it (all ``_base_`` files merged, ``{{_base_.x}}`` substituted, ``_scope_`` injected
into the dicts of ``mmdet::``/``mmseg::``/``mmpretrain::`` bases) and ``cfg.to_dict()`` is
written as canonical JSON into ONE file, ``tests/data/config_snapshots.json``, mapping the
config's path relative to the repository to its resolved dict. The snapshot turns a change of
layout (moving repeated blocks into shared bases) into something a test can prove: a refactor
that keeps every resolved config leaves the snapshot unchanged, and
``tests/test_configs/test_config_snapshots.py`` fails on any config that resolves differently.

Canonical form, so that the file is deterministic and a difference is a real one:

* keys sorted; a non-string key is written as its ``repr``;
* a tuple is ``{"__tuple__": [...]}`` (JSON has no tuples, and a config that turns a tuple
  into a list is a different config for the transforms that check the type);
* a value JSON cannot hold (a float that is not finite, a type or any other object) is
  ``{"__repr__": repr(value)}``;
* the repository's absolute path inside a string is written as ``{repo}``, so the snapshot
  is the same in every checkout (``cfg.filename``, the only key that carries the config's own
  absolute path, is an attribute of ``Config`` and not part of ``to_dict()``).

Usage (from anywhere; paths are taken relative to the current directory):

    python tools/misc/config_snapshot.py            # (re)write the whole snapshot
    python tools/misc/config_snapshot.py --check    # compare; exit 1 and list differences
    python tools/misc/config_snapshot.py CONFIG...  # (re)write / --check only these configs

Run it without ``--check`` after a change that is meant to change a resolved config, and
review the diff of the JSON file along with the change.
"""
import argparse
import json
import math
import sys
from pathlib import Path

from mmengine.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / 'configs'
SNAPSHOT_FILE = REPO_ROOT / 'tests' / 'data' / 'config_snapshots.json'
REPO_PLACEHOLDER = '{repo}'
# Differences listed per config by `--check` (the first ones, in sorted key order).
MAX_DIFFS_SHOWN = 5


def config_paths(config_dir=CONFIG_DIR):
    """Every config under ``config_dir`` that is not a base (no ``_base_`` folder on its
    path), sorted."""
    config_dir = Path(config_dir)
    return sorted(
        path for path in config_dir.rglob('*.py')
        if '_base_' not in path.relative_to(config_dir).parts[:-1])


def snapshot_key(path):
    """The snapshot's key of a config: its POSIX path relative to the repository."""
    return Path(path).resolve().relative_to(REPO_ROOT).as_posix()


def canonical(value):
    """``value`` as plain JSON data, deterministically (see the module docstring)."""
    if isinstance(value, dict):
        return {
            key if isinstance(key, str) else repr(key): canonical(item)
            for key, item in value.items()
        }
    if isinstance(value, tuple):
        return {'__tuple__': [canonical(item) for item in value]}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, str):
        return value.replace(str(REPO_ROOT), REPO_PLACEHOLDER)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return {'__repr__': repr(value)}


def resolve(path):
    """The canonical resolved content of the config at ``path``."""
    return canonical(Config.fromfile(str(path)).to_dict())


def differences(expected, actual, prefix=''):
    """Key paths (``a.b[2].c``) where ``actual`` differs from ``expected``, in sorted order."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            where = f'{prefix}.{key}' if prefix else key
            if key not in actual:
                found.append(f'{where} (missing now)')
            elif key not in expected:
                found.append(f'{where} (new)')
            else:
                found.extend(differences(expected[key], actual[key], where))
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f'{prefix} (length {len(expected)} -> {len(actual)})']
        found = []
        for index, (old, new) in enumerate(zip(expected, actual)):
            found.extend(differences(old, new, f'{prefix}[{index}]'))
        return found
    if expected != actual or type(expected) is not type(actual):
        return [f'{prefix}: {json.dumps(expected)} -> {json.dumps(actual)}']
    return []


def load_snapshot(snapshot_file=SNAPSHOT_FILE):
    with open(snapshot_file, encoding='utf-8') as f:
        return json.load(f)


def dump_snapshot(snapshot, snapshot_file=SNAPSHOT_FILE):
    # One key per line (indent 1) keeps the file diffable; sort_keys makes it canonical.
    text = json.dumps(snapshot, indent=1, sort_keys=True, allow_nan=False)
    Path(snapshot_file).parent.mkdir(parents=True, exist_ok=True)
    Path(snapshot_file).write_text(text + '\n', encoding='utf-8')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'configs',
        nargs='*',
        help='only these configs (default: every non-base config under configs/)')
    parser.add_argument(
        '--check',
        action='store_true',
        help='compare with the snapshot instead of writing it; exit 1 on any difference')
    parser.add_argument(
        '--snapshot', default=str(SNAPSHOT_FILE), help='the snapshot file (default: %(default)s)')
    return parser.parse_args()


def main():
    args = parse_args()
    paths = [Path(p) for p in args.configs] or config_paths()
    current = {snapshot_key(path): resolve(path) for path in paths}
    snapshot_file = Path(args.snapshot)

    if not args.check:
        if args.configs and snapshot_file.exists():
            # Only the named configs change; every other entry stays as it was.
            snapshot = load_snapshot(snapshot_file)
            snapshot.update(current)
        else:
            snapshot = current
        dump_snapshot(snapshot, snapshot_file)
        print(f'wrote {len(current)} config(s) to {snapshot_file}')
        return 0

    stored = load_snapshot(snapshot_file)
    failed = 0
    for key, resolved in current.items():
        if key not in stored:
            print(f'{key}: no snapshot entry')
            failed += 1
            continue
        found = differences(stored[key], resolved)
        if found:
            failed += 1
            print(f'{key}: {len(found)} difference(s)')
            for line in found[:MAX_DIFFS_SHOWN]:
                print(f'    {line}')
    if not args.configs:
        for key in sorted(set(stored) - set(current)):
            print(f'{key}: in the snapshot but the file is gone')
            failed += 1
    outcome = f'{failed} with differences' if failed else 'no differences'
    print(f'checked {len(current)} config(s): {outcome}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
