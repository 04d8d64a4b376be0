"""FLOP and parameter counting with mmengine's analyzer, including fused attention.

mmengine's ``FlopAnalyzer`` (fvcore's counting rules: one multiply-add is one FLOP)
has no rule for ``aten::scaled_dot_product_attention``, so every model that uses
fused attention would be under-counted. We add one: ``Q K^T`` and ``A V`` cost
``B * heads * Nq * Nk * (d_qk + d_v)`` multiply-adds; softmax is not counted, as for
the explicit-matmul implementations the papers measured.
"""
from typing import Any, List, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``scaled_dot_product_attention(q, k, v, ...)`` from the traced shapes."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for s in q[:-2]:
        batch *= s
    nq, d_qk = q[-2], q[-1]
    nk, d_v = k[-2], v[-1]
    return batch * nq * nk * (d_qk + d_v)


def get_flops_params(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> Tuple[int, int]:
    """Total FLOPs (multiply-adds) of ``model(*inputs)`` and its number of parameters."""
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle('aten::scaled_dot_product_attention', sdpa_flop_jit)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    flops = analyzer.total()
    params = sum(p.numel() for p in model.parameters())
    return flops, params
