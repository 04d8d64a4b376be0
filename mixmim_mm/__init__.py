"""mixmim_mm: efficient masked-image-modeling pretraining for MMPretrain.

Importing the package registers every model, dataset, transform and hook into
MMPretrain's registries, so a config only needs::

    custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)
"""
from . import downstream  # noqa: F401  (last: registers models and engine for mmdet/mmseg)
from . import evaluation  # noqa: F401
from . import converters, datasets, engine, models, utils, visualization  # noqa: F401
from .model_zoo import install_model_index_hook
from .version import __version__  # noqa: F401

# Our model names in MMPretrain's ModelHub (get_model, list_models, inferencers); the index is
# read on the first look-up by name, not here.
install_model_index_hook()
