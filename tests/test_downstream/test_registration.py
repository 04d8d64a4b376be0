"""``import mixmim_mm`` makes the MixMAE backbone and its helpers visible to mmdet and mmseg."""
import importlib
import subprocess
import sys

import pytest
import torch
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401
from mixmim_mm import downstream
from mixmim_mm.engine.hooks.atomic_checkpoint_hook import AtomicCheckpointHook
from mixmim_mm.engine.optimizers.layer_decay_constructor import \
    BackboneLayerDecayOptimWrapperConstructor
from mixmim_mm.models.backbones import MixMAESwinTransformer


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
def test_classes_are_in_the_downstream_registries(scope):
    registry = importlib.import_module(f'{scope}.registry')
    assert registry.MODELS.get('MixMAESwinTransformer') is MixMAESwinTransformer
    assert registry.OPTIM_WRAPPER_CONSTRUCTORS.get(
        'BackboneLayerDecayOptimWrapperConstructor') is BackboneLayerDecayOptimWrapperConstructor
    assert registry.HOOKS.get('AtomicCheckpointHook') is AtomicCheckpointHook
    assert scope in downstream.REGISTERED_SCOPES


@pytest.mark.slow
def test_a_fresh_import_shares_every_class_with_both_scopes():
    # In a new interpreter, so that no earlier test has imported the classes first.
    script = ('import importlib, mixmim_mm\n'
              'from mixmim_mm.downstream import _SHARED\n'
              'for scope in ("mmdet", "mmseg"):\n'
              '    registry = importlib.import_module(scope + ".registry")\n'
              '    for name, classes in _SHARED.items():\n'
              '        for cls in classes:\n'
              '            assert getattr(registry, name).get(cls) is not None, (scope, cls)\n')
    subprocess.run([sys.executable, '-c', script], check=True, capture_output=True)


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
def test_backbone_builds_in_the_downstream_scope(scope):
    init_default_scope(scope)
    registry = importlib.import_module(f'{scope}.registry')
    backbone = registry.MODELS.build(
        dict(
            type='MixMAESwinTransformer',
            arch='mini',
            img_size=128,
            window_size=(8, 8, [8, 4], 4),
            out_indices=(0, 1, 2, 3)))
    feats = backbone(torch.randn(1, 3, 96, 80))
    assert [tuple(f.shape[1:]) for f in feats] == [(32, 24, 20), (64, 12, 10), (128, 6, 5),
                                                   (256, 3, 3)]


def test_missing_package_is_skipped():
    assert downstream.register_in('no_such_openmmlab_package') is False


def test_broken_package_warns_instead_of_breaking_the_import(monkeypatch):
    real_import = importlib.import_module

    def broken(name, *args):
        if name == 'mmdet.registry':
            raise AssertionError('MMCV==9.9 is used but incompatible')
        return real_import(name, *args)

    monkeypatch.setattr(downstream.importlib, 'import_module', broken)
    with pytest.warns(UserWarning, match='mmdet is installed but cannot be imported'):
        assert downstream.register_in('mmdet') is False
