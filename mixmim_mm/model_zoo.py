"""Make this package's model zoo known to MMPretrain's ``ModelHub``.

``model-index.yml`` imports ``configs/<method>/metafile.yml`` (OpenMMLab's metafile format). Once
``import mixmim_mm`` has run, MMPretrain's name-based API finds our models as it finds its own::

    mmpretrain.list_models('fastmim*')
    mmpretrain.get_model('pixmim_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px',
                         pretrained='epoch_10.pth')
    mmpretrain.apis.FeatureExtractor('vit-base-p16_pixmim-800e-pre_8xb128-coslr-100e_in1k',
                                     pretrained='ft.pth')

Where the index is: a wheel carries ``configs/`` and ``model-index.yml`` in ``mixmim_mm/.mim/``
(OpenMMLab's MIM layout, written by ``setup.py``); an editable checkout has them at the
repository root, next to the package.

When it is read: ``ModelHub`` reads MMPretrain's own index on the first ``list_models`` or
``get`` (``ModelHub._register_mmpretrain_models``); ours is read right after it, by wrapping that
class method, so ``import mixmim_mm`` parses no YAML and a program that never asks for a model by
name pays nothing.
"""
import os.path as osp
import warnings
from typing import Optional

MODEL_INDEX = 'model-index.yml'
PACKAGE_DIR = osp.dirname(osp.abspath(__file__))
# Set on ModelHub itself (not in this module), so that a reloaded or second copy of this module
# sees that the index is already registered / the hook already installed.
_REGISTERED_ATTR = '_mixmim_mm_model_index'
_HOOK_ATTR = '_mixmim_mm_hook'
_FAILED = 'failed'


def model_index_root() -> Optional[str]:
    """The folder that holds ``model-index.yml`` and ``configs/``.

    ``mixmim_mm/.mim`` when it exists (an installed wheel), else the repository root of an
    editable checkout; None when neither has an index (e.g. a bare copy of the package).
    """
    for root in (osp.join(PACKAGE_DIR, '.mim'), osp.dirname(PACKAGE_DIR)):
        if osp.isfile(osp.join(root, MODEL_INDEX)) and osp.isdir(osp.join(root, 'configs')):
            return root
    return None


def _model_hub():
    try:
        from mmpretrain.apis.model import ModelHub
    except ImportError:  # an MMPretrain without the name-based API: nothing to register with
        return None
    return ModelHub


def register_model_index(hub=None) -> bool:
    """Register ``model-index.yml`` with MMPretrain's ``ModelHub`` now, at most once.

    Config paths in the index are relative to :func:`model_index_root`. Our names never shadow
    MMPretrain's: a clash (or any other failure to read the index) leaves ``ModelHub`` as it was
    and warns, so that MMPretrain's own models stay usable.

    Args:
        hub (type, optional): The ``ModelHub`` class; MMPretrain's by default.

    Returns:
        bool: True if our models are registered (now or before).
    """
    hub = hub or _model_hub()
    if hub is None:
        return False
    state = vars(hub).get(_REGISTERED_ATTR)  # per class: a subclass may hold its own models
    if state is not None:
        return state != _FAILED
    root = model_index_root()
    if root is None:
        return False
    before = dict(hub._models_dict)
    try:
        hub.register_model_index(osp.join(root, MODEL_INDEX), config_prefix=root)
    except Exception as e:  # noqa: BLE001 - ours must never break MMPretrain's list_models / get
        hub._models_dict.clear()
        hub._models_dict.update(before)
        warnings.warn(f'mixmim_mm: the model index {osp.join(root, MODEL_INDEX)} was not '
                      f'registered with MMPretrain ({e!r}); our model names are unavailable')
        setattr(hub, _REGISTERED_ATTR, _FAILED)  # do not retry (and warn) on every look-up
        return False
    setattr(hub, _REGISTERED_ATTR, root)
    return True


def install_model_index_hook() -> bool:
    """Have ``ModelHub`` register our index when it first registers MMPretrain's (lazy).

    Falls back to registering right away if this MMPretrain has no such lazy step. Safe to call
    more than once: the hook is installed once.

    Returns:
        bool: False when MMPretrain's ``ModelHub`` is not available.
    """
    hub = _model_hub()
    if hub is None:
        return False
    original = getattr(hub, '_register_mmpretrain_models', None)
    if original is None:
        return register_model_index(hub)
    if getattr(original, _HOOK_ATTR, False):
        return True

    def _register_mmpretrain_and_mixmim_mm_models(cls):
        # MMPretrain's index first, so its names win any clash; both go to `hub` (the class
        # `original` is bound to), also when a subclass sharing its models asks.
        original()
        register_model_index(hub)

    setattr(_register_mmpretrain_and_mixmim_mm_models, _HOOK_ATTR, True)
    hub._register_mmpretrain_models = classmethod(_register_mmpretrain_and_mixmim_mm_models)
    return True
