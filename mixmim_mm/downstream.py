"""Make the MixMAE encoder reachable from MMDetection and MMSegmentation configs.

mmdet and mmseg configs build models in their own registry scope (``default_scope='mmdet'``
or ``'mmseg'``), whose registries do not see MMPretrain's. Importing this module (done by
``import mixmim_mm``, i.e. by ``custom_imports=dict(imports=['mixmim_mm'])``) registers,
in each of those packages that is installed:

* ``MixMAESwinTransformer`` in ``MODELS``, so ``backbone=dict(type='MixMAESwinTransformer')``
  works in a detector or segmentor config, and likewise ``ConvMAEViTDense`` (ConvMAE's
  encoder as a stride 4-32 pyramid);
* ``SimpleFeaturePyramid`` (ViTDet's neck for a plain ViT) and MMPretrain's channel-wise
  LayerNorm ``LN2d`` in ``MODELS``, so ``neck=dict(type='SimpleFeaturePyramid')`` and
  ``norm_cfg=dict(type='LN2d')`` in the heads work (a plain ViT backbone is reachable as
  ``'mmpretrain.VisionTransformer'``);
* ``BackboneLayerDecayOptimWrapperConstructor`` in ``OPTIM_WRAPPER_CONSTRUCTORS``, for
  layer-wise lr decay of the backbone;
* ``AtomicCheckpointHook`` in ``HOOKS``, which ``tools/train.py`` substitutes for the plain
  checkpoint hook, so our launcher also trains mmdet and mmseg configs.

mmdet and mmseg are optional: a package that is missing (or fails to import) is skipped and
:data:`REGISTERED_SCOPES` says which scopes were served. Without this module the scoped type
``'mmpretrain.MixMAESwinTransformer'`` would also be found, but the plain name is simpler and
is what our configs use.
"""
import importlib
import warnings
from typing import List

from mmpretrain.registry import HOOKS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS

# The classes shared below must be registered first, whatever order the package's
# __init__ imports its modules in.
from . import engine, models  # noqa: F401

DOWNSTREAM_SCOPES = ('mmdet', 'mmseg')
_SHARED = {
    'MODELS': ('MixMAESwinTransformer', 'ConvMAEViTDense', 'SimpleFeaturePyramid', 'LN2d'),
    'OPTIM_WRAPPER_CONSTRUCTORS': ('BackboneLayerDecayOptimWrapperConstructor', ),
    'HOOKS': ('AtomicCheckpointHook', ),
}
_SOURCES = dict(MODELS=MODELS, OPTIM_WRAPPER_CONSTRUCTORS=OPTIM_WRAPPER_CONSTRUCTORS, HOOKS=HOOKS)

REGISTERED_SCOPES: List[str] = []


def register_in(scope: str) -> bool:
    """Register the shared classes into ``<scope>.registry``; False if it cannot be imported."""
    try:
        registry_module = importlib.import_module(f'{scope}.registry')
    except ImportError:
        return False
    except Exception as e:  # noqa: BLE001 - e.g. mmdet's assert on the mmcv version
        # A broken optional package must not break `import mixmim_mm` for MMPretrain users.
        warnings.warn(f'mixmim_mm: {scope} is installed but cannot be imported ({e!r}); '
                      f'MixMAESwinTransformer is not registered for {scope} configs')
        return False
    for registry_name, names in _SHARED.items():
        target = getattr(registry_module, registry_name)
        for name in names:
            module = _SOURCES[registry_name].get(name)
            if module is None:
                raise RuntimeError(f'mixmim_mm.downstream: {name} is not in MMPretrain\'s '
                                   f'{registry_name}; cannot share it with {scope}')
            # force=True keeps re-imports (e.g. importlib.reload in tests) idempotent.
            target.register_module(name=name, module=module, force=True)
    if scope not in REGISTERED_SCOPES:
        REGISTERED_SCOPES.append(scope)
    return True


for _scope in DOWNSTREAM_SCOPES:
    register_in(_scope)
