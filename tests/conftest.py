"""Fixtures shared by the whole suite."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True, scope='module')
def isolated_default_scope():
    """Forget the registry default scopes (mmdet, mmseg, ...) a test module sets, so that
    modules running later build in the scope they had before (mmengine keeps the latest one
    global)."""
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        DefaultScope._instance_dict.pop(name)
