"""Layer-wise learning-rate decay for any model whose backbone has ``get_layer_depth``.

MMPretrain's :class:`LearningRateDecayOptimWrapperConstructor` already does layer-wise decay
for classifiers: it asks the *top-level* model for ``get_layer_depth(name)``, and
``ImageClassifier`` forwards that to its backbone with the ``backbone.`` prefix. Our
classification configs use it as is. Detectors (mmdet) and segmentors (mmseg) have no
``get_layer_depth``, and the decay constructors of mmdet and mmseg only know ConvNeXt, BEiT
and MAE key names (they raise ``NotImplementedError`` for other backbones). This subclass adds
the missing fallback, ``model.backbone.get_layer_depth(name, 'backbone.')``, and is
registered in MMPretrain's, mmdet's and mmseg's registries (the latter two by
``mixmim_mm.downstream``).

How layer ids are assigned (``MixMAESwinTransformer.get_layer_depth``; ``L = sum(depths)``
blocks, ids ``0 .. L + 1``):

* ``0``: patch embedding and absolute position embedding;
* ``sum(depths[:i]) + j + 1``: block ``j`` of stage ``i``; a stage's 2x2 patch merging sits at
  the start of the stage and shares the id of the stage's first block (the authors' MixMIM
  fine-tuning code gives it the same id);
* ``L + 1``: everything else - the encoder's output norms, the classifier head, and in
  detectors and segmentors the neck and all heads.

A parameter with id ``k`` gets ``lr * decay ** (L + 1 - k)``: heads train at the full rate,
the last block at ``lr * decay``, the stem at ``lr * decay ** (L + 1)``. (The authors' code
puts the final norm and the head at id ``L``, i.e. ``lr * decay``; we follow BEiT, MAE and
MMPretrain, which leave the head undecayed.)
"""
from typing import Callable, List, Optional

from mmpretrain.engine.optimizers import LearningRateDecayOptimWrapperConstructor
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class BackboneLayerDecayOptimWrapperConstructor(LearningRateDecayOptimWrapperConstructor):
    """Layer-wise lr decay driven by ``model.backbone.get_layer_depth``.

    Same ``paramwise_cfg`` as MMPretrain's ``LearningRateDecayOptimWrapperConstructor``
    (``layer_decay_rate``, ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult``,
    ``custom_keys`` with ``decay_mult``). Parameters outside the backbone (necks, heads) get
    the last layer id, hence the full learning rate.

    Example::

        optim_wrapper = dict(
            constructor='BackboneLayerDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.1),
            paramwise_cfg=dict(layer_decay_rate=0.85, flat_decay_mult=0.))
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   get_layer_depth: Optional[Callable] = None,
                   **kwargs) -> None:
        if get_layer_depth is None and not hasattr(module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if backbone is None or not hasattr(backbone, 'get_layer_depth'):
                raise TypeError(
                    f'{type(self).__name__} needs a model with `get_layer_depth` or a '
                    f'`backbone` with `get_layer_depth(name, prefix)`; '
                    f'{type(module).__name__} with backbone {type(backbone).__name__} has '
                    'neither')

            def get_layer_depth(name: str):
                return backbone.get_layer_depth(name, 'backbone.')

        super().add_params(params, module, prefix=prefix, get_layer_depth=get_layer_depth)
