"""Every shipped config resolves to its stored snapshot (``tests/data/config_snapshots.json``).

The snapshot is the resolved content of each non-base config under ``configs/`` (bases merged,
``_scope_`` injected), written by ``tools/misc/config_snapshot.py``. A change of layout, such as
moving repeated blocks into shared bases under ``configs/_base_/``, must leave it unchanged; a
change that is meant to change a resolved config updates it with the tool, and the diff of the
JSON file shows what changed. Only ``Config.fromfile``, no model is built.
"""
import importlib.util
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).parents[2]
UPDATE = 'python tools/misc/config_snapshot.py'

_spec = importlib.util.spec_from_file_location('config_snapshot',
                                               REPO_ROOT / 'tools' / 'misc' / 'config_snapshot.py')
snapshot_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_tool)

CONFIGS = {snapshot_tool.snapshot_key(path): path for path in snapshot_tool.config_paths()}


@pytest.fixture(scope='module')
def stored():
    return snapshot_tool.load_snapshot()


def test_every_config_has_a_snapshot_and_every_snapshot_a_config(stored):
    missing = sorted(set(CONFIGS) - set(stored))
    gone = sorted(set(stored) - set(CONFIGS))
    assert not missing and not gone, (
        f'configs without a snapshot entry: {missing}; snapshot entries without a config '
        f'file: {gone}. Run `{UPDATE}` to update the snapshot after an intended change.')


@pytest.mark.parametrize('key', sorted(CONFIGS))
def test_config_resolves_to_its_snapshot(key, stored):
    if key not in stored:
        pytest.fail(f'{key} has no snapshot entry: run `{UPDATE} {key}` to add it.')
    found = snapshot_tool.differences(stored[key], snapshot_tool.resolve(CONFIGS[key]))
    shown = '\n  '.join(found[:snapshot_tool.MAX_DIFFS_SHOWN])
    assert not found, (
        f'{key} resolves differently from its snapshot ({len(found)} difference(s), stored -> '
        f'now):\n  {shown}\nA layout-only change must not change a resolved config; after an '
        f'intended change run `{UPDATE}` (or `{UPDATE} {key}`) and review the JSON diff.')


def test_snapshot_tool_reports_a_changed_value():
    # The comparison the tests rely on: a changed value, a missing key, a tuple that became a
    # list and an int that became a float are all differences, each named by its key path.
    expected = {'a': {'b': [1, {'c': 2}]}, 'd': {'__tuple__': [1, 2]}, 'e': 0, 'f': 1}
    actual = {'a': {'b': [1, {'c': 3}]}, 'd': [1, 2], 'e': 0.0}
    assert snapshot_tool.differences(expected, actual) == [
        'a.b[1].c: 2 -> 3', 'd: {"__tuple__": [1, 2]} -> [1, 2]', 'e: 0 -> 0.0', 'f (missing now)'
    ]
    written = snapshot_tool.canonical({'t': (1, [2.0]), 1: float('inf')})
    assert written == {'t': {'__tuple__': [1, [2.0]]}, '1': {'__repr__': 'inf'}}
