"""Shared fixtures of the optimizer tests."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True, scope='module')
def isolated_default_scope():
    """Forget the registry default scopes (mmdet, mmseg, ...) this module sets, so that tests
    running later build in the scope they had before (mmengine keeps the latest one global)."""
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        DefaultScope._instance_dict.pop(name)
