"""mixmim_mm: efficient masked-image-modeling pretraining for MMPretrain.

Importing the package registers every model, dataset, transform and hook into
MMPretrain's registries, so a config only needs::

    custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)
"""
from . import downstream  # noqa: F401  (last: registers models and engine for mmdet/mmseg)
from . import evaluation  # noqa: F401
from . import converters, datasets, engine, models, utils, visualization  # noqa: F401
from .version import __version__  # noqa: F401
