"""Count FLOPs without computing anything: run the model on ``meta`` tensors.

Why: :func:`mixmim_mm.utils.get_flops_params` traces with ``torch.jit.trace``, which runs the
model for real. A Swin-B Mask R-CNN at 1024x1024 costs about 0.7 TFLOPs, minutes on a
laptop CPU. On the ``meta`` device every op only propagates shapes, so counting takes
seconds.

The counting rules are those of mmengine's ``FlopAnalyzer`` (fvcore's: one multiply-add is
one FLOP), restated for the ATen ops seen below autograd, where composite ops are already
decomposed (``linear`` -> ``addmm``/``mm``, ``scaled_dot_product_attention`` -> two
``bmm``):

* ``mm``/``addmm``/``bmm``: ``m * n * k`` (bias ignored);
* convolution: ``N * prod(weight) * prod(out spatial)`` (transposed: input spatial);
* layer/group norm: 5 per element (4 without affine); batch norm in eval mode: 2 per
  element (1 without affine), in training mode: as layer norm;
* nearest / bilinear upsampling: 1 / 4 per output element; adaptive average pooling: 1 per
  input element (also when it lowers to ``mean`` for a 1x1 output);
* everything else (activations, softmax, element-wise arithmetic) is not counted.

``tests/test_utils/test_meta_flops.py`` checks that the two counters agree exactly on the
module types of our detectors and segmentors.
"""
from math import prod
from typing import Callable, Dict, Optional

import torch
import torch.nn as nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

aten = torch.ops.aten


def _shape(x):
    return tuple(x.shape) if isinstance(x, torch.Tensor) else None


def _matmul(args, out):
    return prod(_shape(out)) * _shape(args[0])[-1]


def _addmm(args, out):
    return prod(_shape(out)) * _shape(args[1])[-1]


def _conv(args, out):
    x, w = _shape(args[0]), _shape(args[1])
    transposed = bool(args[6]) if len(args) > 6 else False
    spatial = x[2:] if transposed else _shape(out)[2:]
    return x[0] * prod(w) * prod(spatial)


def _affine_norm(weight_index):

    def count(args, out):
        has_affine = len(args) > weight_index and args[weight_index] is not None
        return prod(_shape(args[0])) * (5 if has_affine else 4)

    return count


def _batch_norm(training_index: Optional[int]):
    """Batch norm: as a norm layer when it normalises with batch statistics, else 2 per
    element (1 without affine), like mmengine's ``batchnorm_flop_jit``. ``training_index``
    is the position of the op's ``training`` argument (None: the op never trains)."""

    def count(args, out):
        affine = args[1] is not None
        training = training_index is not None and bool(args[training_index])
        return prod(_shape(args[0])) * ((5 if affine else 4) if training else (2 if affine else 1))

    return count


def _mean_as_pool(args, out):
    # ``adaptive_avg_pool2d`` to 1x1 lowers to ``mean(dim=(-1, -2))``; a plain mean over
    # other dims is not a pooling and is not counted (mmengine ignores ``aten::mean``).
    dims = args[1] if len(args) > 1 else None
    if dims is not None and sorted(d % len(_shape(args[0])) for d in dims) == \
            [len(_shape(args[0])) - 2, len(_shape(args[0])) - 1]:
        return prod(_shape(args[0]))
    return 0


def _output_elements(scale):
    return lambda args, out: scale * prod(_shape(out[0] if isinstance(out, tuple) else out))


def _input_elements(args, out):
    return prod(_shape(args[0]))


_HANDLES: Dict[Callable, Callable] = {
    aten.mm.default: _matmul,
    aten.bmm.default: _matmul,
    aten.addmm.default: _addmm,
    aten.convolution.default: _conv,
    aten.native_layer_norm.default: _affine_norm(2),
    aten.native_group_norm.default: _affine_norm(1),
    aten._native_batch_norm_legit_no_training.default: _batch_norm(None),
    aten._native_batch_norm_legit.default: _batch_norm(5),
    aten._native_batch_norm_legit.no_stats: _batch_norm(3),
    aten.native_batch_norm.default: _batch_norm(5),
    aten.upsample_nearest2d.default: _output_elements(1),
    aten.upsample_nearest2d.vec: _output_elements(1),
    aten.upsample_bilinear2d.default: _output_elements(4),
    aten.upsample_bilinear2d.vec: _output_elements(4),
    aten._adaptive_avg_pool2d.default: _input_elements,
    aten.mean.dim: _mean_as_pool,
}


class MetaFlopCounter(TorchDispatchMode):
    """Dispatch mode that adds up FLOPs of the ops it sees (see the module docstring).

    Args:
        handles (dict, optional): Extra ``{aten overload: fn(args, out) -> int}``.
    """

    def __init__(self, handles: Optional[Dict[Callable, Callable]] = None):
        super().__init__()
        self.handles = {**_HANDLES, **(handles or {})}
        self.total = 0
        self.by_op: Dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        handle = self.handles.get(func)
        if handle is not None:
            flops = int(handle(args, out))
            self.total += flops
            name = str(func.overloadpacket.__name__)
            self.by_op[name] = self.by_op.get(name, 0) + flops
        return out


def _to_meta(x):
    return torch.empty_like(x, device='meta') if isinstance(x, torch.Tensor) else x


def count_flops_meta(module: nn.Module, *inputs, **kwargs) -> int:
    """FLOPs (multiply-adds) of ``module(*inputs, **kwargs)``, computed on the meta device.

    The module is moved to ``meta`` (its parameters' values are lost: pass a throw-away
    copy or count parameters first) and tensor inputs are replaced by meta tensors of the
    same shape and dtype.

    Returns:
        int: The FLOPs, following mmengine's ``FlopAnalyzer`` rules.
    """
    module = module.to('meta')
    inputs, kwargs = tree_map(_to_meta, inputs), tree_map(_to_meta, kwargs)
    with torch.no_grad(), MetaFlopCounter() as counter:
        module(*inputs, **kwargs)
    return counter.total
