"""Loading pretrained weights into a backbone, loudly.

mmengine's ``PretrainedInit`` loads with ``strict=False`` and only logs mismatches, so a wrong
``prefix`` or a checkpoint in another key format leaves the encoder randomly initialised while
training goes on. Every backbone of this package (and any backbone that mixes in
:class:`LoudPretrainedMixin`) treats ``init_cfg=dict(type='Pretrained', checkpoint=...,
prefix=...)`` with :func:`load_pretrained` instead, which

* reads the checkpoint (a file, or a URL through mmengine), takes the tensors under ``prefix``
  (``'backbone.'`` by default when the file holds a whole model);
* converts other implementations' key formats on the fly where a converter is registered for the
  backbone (:func:`register_checkpoint_format`; the converters of ``mixmim_mm.converters``
  register themselves, so models never import them);
* lets the backbone adapt the tensors (``adapt_pretrained_state``: resize position tables, ...);
* raises if a weight of the model stays unloaded or has another shape, unless the backbone
  declares it optional (``pretrained_optional_keys``: e.g. fresh output norms), or if the
  checkpoint holds encoder weights the model has no place for, unless the backbone declares them
  pretraining-only (``pretrained_ignored_keys``);
* logs what it loaded, what was initialised fresh and what it left unused.
"""
import argparse
import contextlib
import functools
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log

# Backbone class name -> converters ``fn(state_dict, source) -> state_dict | None``.
_CHECKPOINT_FORMATS: Dict[str, List[Callable]] = {}
# Index buffers are rebuilt by the model; other implementations store them.
_ALWAYS_IGNORED_SUFFIXES = ('relative_position_index', 'num_batches_tracked')


def register_checkpoint_format(backbone: str, converter: Callable) -> None:
    """Let backbones of class ``backbone`` load checkpoints of another key format.

    Args:
        backbone (str): Class name of the backbone (subclasses are matched too).
        converter (callable): ``converter(state_dict, source)`` returns the state dict in
            the backbone's own key format (whole-model keys keep their ``backbone.``
            prefix), or None when the checkpoint is not in its format.
    """
    _CHECKPOINT_FORMATS.setdefault(backbone, [])
    if converter not in _CHECKPOINT_FORMATS[backbone]:
        _CHECKPOINT_FORMATS[backbone].append(converter)


def _allow_namespace():
    """A context allowing ``argparse.Namespace`` in weights-only loads; before torch 2.5 (no
    ``safe_globals``) a no-op, and such files stay refused with the file named."""
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    return safe_globals([argparse.Namespace]) if safe_globals else contextlib.nullcontext()


def read_checkpoint(checkpoint: str) -> Dict[str, torch.Tensor]:
    """The state dict of a checkpoint file (``weights_only``) or URL; errors name it."""
    if osp.isfile(checkpoint):
        try:
            # Training checkpoints of MAE-derived code (the MixMIM and FastMIM authors') keep
            # the run's argparse.Namespace next to the weights; it holds plain values only.
            with _allow_namespace():
                obj = torch.load(checkpoint, map_location='cpu', weights_only=True)
        except Exception as e:  # noqa: BLE001 - any unpickling failure, with the file name
            raise ValueError(f'{checkpoint} is not a readable PyTorch checkpoint '
                             f'(weights-only load failed: {e})') from e
    elif '://' in checkpoint:
        from mmengine.runner import CheckpointLoader
        obj = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    else:
        raise FileNotFoundError(f'pretrained checkpoint not found: {checkpoint}')
    if isinstance(obj, dict):
        for key in ('state_dict', 'model'):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or \
            not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f'{checkpoint} does not hold a state dict of tensors '
                         f"(expected a dict of tensors, or one under 'state_dict'/'model')")
    return dict(obj)


def _convert_format(module: nn.Module, state: Dict[str, torch.Tensor], source: str):
    for cls in type(module).__mro__:
        for converter in _CHECKPOINT_FORMATS.get(cls.__name__, ()):
            converted = converter(state, source)
            if converted is not None:
                return converted
    return state


def select_prefix(state: Dict[str, torch.Tensor], prefix: Optional[str],
                  source: str) -> Dict[str, torch.Tensor]:
    """The tensors under ``prefix`` with it removed; ``'backbone.'`` when None and the state
    holds a whole model, else all. Raises naming ``source`` when no key has the prefix."""
    if prefix is None:
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in state) else ''
    selected = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not selected:
        heads = sorted({k.split('.')[0] + '.' for k in state})
        raise ValueError(f'no key of {source} starts with prefix={prefix!r}; its keys start '
                         f'with {heads[:10]}')
    return selected


def load_pretrained(module: nn.Module,
                    checkpoint: str,
                    prefix: Optional[str] = None,
                    logger: str = 'current') -> Tuple[List[str], List[str]]:
    """Load a checkpoint's encoder weights into ``module``, refusing to lose any.

    Args:
        module (nn.Module): The backbone to fill. Optional class attributes:
            ``pretrained_optional_keys`` (prefixes of the module's keys that may be absent
            from the checkpoint), ``pretrained_ignored_keys`` (prefixes of checkpoint keys
            that may go unused) and ``adapt_pretrained_state(state, source)``.
        checkpoint (str): Path (or URL) of the checkpoint.
        prefix (str, optional): Key prefix of the encoder in the checkpoint, e.g.
            ``'backbone.'``; ``'backbone.'`` if the checkpoint has such keys, else none.
        logger (str): mmengine logger name for the report.

    Returns:
        tuple[list[str], list[str]]: Missing keys (kept at their initial values) and
        unused keys of the checkpoint (all optional or ignored ones).

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If a required weight of the model is not in the checkpoint or has another
            shape, or an encoder weight of the checkpoint is not in the model.
    """
    state = _convert_format(module, read_checkpoint(checkpoint), checkpoint)
    state = select_prefix(state, prefix, checkpoint)
    adapt = getattr(module, 'adapt_pretrained_state', None)
    if adapt is not None:
        state = adapt(state, checkpoint)
    try:
        missing, unexpected = module.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shape mismatches are raised even with strict=False
        raise ValueError(f'{checkpoint} does not fit the model: {e}') from e
    optional = tuple(getattr(module, 'pretrained_optional_keys', ()))
    ignored = tuple(getattr(module, 'pretrained_ignored_keys', ()))
    lost = [k for k in missing if not (optional and k.startswith(optional))]
    if lost:
        raise ValueError(f'{checkpoint} lacks {len(lost)} encoder weights of the model, '
                         f'e.g. {lost[:10]}; refusing to train from a partly random encoder')
    dropped = [
        k for k in unexpected
        if not (ignored and k.startswith(ignored)) and not k.endswith(_ALWAYS_IGNORED_SUFFIXES)
    ]
    if dropped:
        raise ValueError(f'{checkpoint} has {len(dropped)} encoder weights the model has no '
                         f'place for, e.g. {dropped[:10]}; the checkpoint is from another '
                         f'architecture (depths, widths) than the model')
    print_log(
        f'loaded {len(state) - len(unexpected)} encoder tensors from {checkpoint}'
        f'{f" (prefix {prefix!r})" if prefix else ""}',
        logger=logger)
    if missing:
        print_log(f'not in the checkpoint, initialised fresh: {missing}', logger=logger, level=30)
    if unexpected:
        print_log(
            f'in the checkpoint but not used (pretraining only): {unexpected}',
            logger=logger,
            level=30)
    return missing, unexpected


def _split_pretrained(init_cfg):
    """``(the 'Pretrained' entry or None, the other entries or None)`` of an init_cfg."""
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg] if init_cfg else []
    pretrained = [c for c in cfgs if isinstance(c, dict) and c.get('type') == 'Pretrained']
    if not pretrained:
        return None, init_cfg
    if len(pretrained) > 1:
        raise ValueError(f'init_cfg has {len(pretrained)} Pretrained entries: {init_cfg}')
    if not pretrained[0].get('checkpoint'):
        raise KeyError(f"init_cfg={pretrained[0]} of type 'Pretrained' needs 'checkpoint'")
    rest = [c for c in cfgs if c is not pretrained[0]]
    return pretrained[0], (rest or None)


def _loud_init_weights(fresh_init: Callable) -> Callable:
    """Wrap an ``init_weights``: fresh initialisation, then :func:`load_pretrained`."""

    @functools.wraps(fresh_init)
    def init_weights(self):
        pretrained, rest = _split_pretrained(self.init_cfg)
        if pretrained is None:
            return fresh_init(self)
        original, self.init_cfg = self.init_cfg, rest
        try:
            # Everything the checkpoint may not hold (new output norms, heads) gets the
            # module's own initialisation first.
            fresh_init(self)
        finally:
            self.init_cfg = original
        load_pretrained(self, pretrained['checkpoint'], pretrained.get('prefix'))
        self._is_init = True

    init_weights._loud_pretrained = True
    return init_weights


class LoudPretrainedMixin:
    """Makes ``init_cfg=dict(type='Pretrained', ...)`` load through :func:`load_pretrained`.

    Put it first among the bases of a ``BaseModule`` backbone, ours or a thin subclass of an
    OpenMMLab one. ``init_weights`` (the class's own, or the parent's) then stays the fresh
    initialisation, and a ``Pretrained`` entry of ``init_cfg`` runs after it and raises
    instead of warning when weights would be lost.

    Class attributes (prefixes of state-dict keys):
        pretrained_optional_keys: weights of the model that a checkpoint may lack.
        pretrained_ignored_keys: pretraining-only tensors a checkpoint may carry.
    """

    pretrained_optional_keys: Tuple[str, ...] = ()
    pretrained_ignored_keys: Tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get('init_weights')
        if own is not None and not getattr(own, '_loud_pretrained', False):
            cls.init_weights = _loud_init_weights(own)

    def adapt_pretrained_state(self, state: Dict[str, torch.Tensor],
                               source: str) -> Dict[str, torch.Tensor]:
        """Adapt checkpoint tensors (bare keys) to this model before loading; identity here."""
        return state

    @_loud_init_weights
    def init_weights(self):
        super().init_weights()
