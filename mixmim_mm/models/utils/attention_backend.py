"""Which ``scaled_dot_product_attention`` kernel a CPU step in bf16 should use."""
import contextlib

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

# Up to this many tokens per sequence, a CPU step under bf16 autocast runs attention through
# SDPA's math path: on a 2-core Intel Xeon (AMX) its forward+backward took 2.7 ms against
# 9.7 ms for the flash kernel at MixMAE's decoder shape (8 x 16 heads x 49 tokens x 32) and
# 4.0 against 12.8 ms at 65 tokens, the two were even at 197 tokens, and from 400 tokens
# the flash kernel won by 3x or more. In fp32 the flash kernel is the faster one at every
# length measured.
SHORT_SEQUENCE = 128


def _bf16_autocast_on_cpu() -> bool:
    return torch.is_autocast_enabled('cpu') and torch.get_autocast_dtype('cpu') == torch.bfloat16


def attention_kernel_for(x: torch.Tensor, seq_len: int):
    """Context for the attention layers run on ``x`` (sequences of ``seq_len`` tokens).

    On a CPU under bf16 autocast with short sequences: SDPA's math path (same arithmetic, no
    flash blocking); anywhere else: torch's own choice. The result differs only in float
    rounding.
    """
    if x.device.type == 'cpu' and seq_len <= SHORT_SEQUENCE and _bf16_autocast_on_cpu():
        return sdpa_kernel([SDPBackend.MATH])
    return contextlib.nullcontext()
