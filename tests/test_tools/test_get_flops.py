"""tools/analysis_tools/get_flops.py reports the paper's encoder numbers for a config."""
import os.path as osp

import pytest
from mmengine.registry import DefaultScope

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'get_flops.py')


@pytest.fixture(autouse=True, scope='module')
def isolated_default_scope():
    """Forget the registry default scopes (mmdet, mmseg, ...) this module sets, so that tests
    running later build in the scope they had before (mmengine keeps the latest one global)."""
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        DefaultScope._instance_dict.pop(name)


@pytest.fixture
def run(run_script, capsys):
    """``run(argv)`` -> what the tool printed."""

    def run_tool(argv):
        run_script(TOOL, argv)
        return capsys.readouterr().out

    return run_tool


def test_swin_b_w14_classifier_matches_table_2(run):
    # Table 2: Swin-B/W14 16.3 GFLOPs, 88M params; MMPretrain's metafile: 88.344M.
    out = run([
        osp.join(
            REPO_ROOT, 'configs/mixmae/benchmarks/classification/'
            'swin-base-w14_8xb128-coslr-100e_in1k.py')
    ])
    assert 'input 224x224: 16.35 GFLOPs, 88.34M params' in out


def test_input_shape_option(run):
    out = run([
        osp.join(
            REPO_ROOT, 'configs/mixmae/benchmarks/classification/'
            'swin-base-w14_8xb128-coslr-100e_in1k.py'), '--shape', '112', '112'
    ])
    assert 'input 112x112:' in out
