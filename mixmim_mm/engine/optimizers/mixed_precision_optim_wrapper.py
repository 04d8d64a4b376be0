"""Mixed precision on any device: mmengine's AMP on a GPU, bf16 autocast on a CPU."""
import functools
import logging
import platform
from contextlib import contextmanager
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.device import is_cuda_available, is_mlu_available, is_musa_available, is_npu_available
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

CPU_DTYPES = ('bfloat16', 'float32')
# x86 and Arm flags of instructions that compute bf16 dot products natively. Without them
# oneDNN still runs bf16, but by conversion to fp32, which is slower than fp32 itself.
_NATIVE_BF16_FLAGS = {'avx512_bf16', 'amx_bf16', 'bf16'}
# Packages of modules that call mmcv's CPU kernels without a bf16 version (NMS in the RPN
# and box heads, RoIAlign in the RoI extractors): such a model trains in fp32 on a CPU.
FP32_ONLY_CPU_PACKAGES = ('mmdet.models.dense_heads', 'mmdet.models.roi_heads')


def _has_accelerator() -> bool:
    # The devices mmengine's AmpOptimWrapper accepts.
    return (is_cuda_available() or is_npu_available() or is_mlu_available() or is_musa_available())


def _cpu_flags() -> Optional[set]:
    """The CPU's instruction-set flags from /proc/cpuinfo, or None where it cannot be read."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() in ('flags', 'Features'):
                    return set(value.split())
    except OSError:
        pass
    return None


def _onednn_has_bf16() -> bool:
    """Whether oneDNN is built in and has bf16 kernels for this CPU."""
    return torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def _bf16_attention_runs() -> bool:
    """Whether bf16 ``scaled_dot_product_attention`` (forward and backward) runs here.

    Its CPU flash kernel packs bf16 for AVX-512 from the CPU's flags while the dispatched
    kernels follow ``ATEN_CPU_CAPABILITY``; with that set below AVX-512 on an AVX-512 CPU it
    raises from 64 tokens on (torch 2.14).
    """
    q = torch.zeros(1, 1, 64, 16, requires_grad=True)
    try:
        with torch.autocast('cpu', dtype=torch.bfloat16):
            F.scaled_dot_product_attention(q, q, q).float().sum().backward()
    except RuntimeError:
        return False
    return True


@functools.lru_cache(maxsize=None)
def cpu_bf16_support() -> Tuple[bool, str]:
    """Whether bf16 autocast is worth using on this CPU, and why (for the log).

    Four checks, each cheap: oneDNN (the library behind CPU bf16 matrix products) is built in
    and has bf16 kernels for this CPU; where the CPU's flags can be read, it has native bf16
    dot-product instructions (``avx512_bf16``/``amx_bf16`` on x86, ``bf16`` on Arm), since
    emulated bf16 is slower than fp32; a small matrix product under autocast runs in bf16
    and matches fp32 within bf16's rounding; and bf16 attention runs forward and backward
    (:func:`_bf16_attention_runs`).

    Returns:
        tuple[bool, str]: ``(supported, reason)``.
    """
    if not _onednn_has_bf16():
        return False, 'oneDNN has no bf16 kernels for this CPU'
    flags = _cpu_flags()
    if flags is not None and not flags & _NATIVE_BF16_FLAGS:
        return False, (f'the CPU ({platform.machine()}) has no native bf16 instructions '
                       '(avx512_bf16, amx_bf16 or bf16); emulated bf16 is slower than fp32')
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(32, 64, generator=generator)
    b = torch.randn(64, 32, generator=generator)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        product = a @ b
    # bf16 keeps 8 significant bits: each product term is off by <= 2^-8 relative.
    if product.dtype != torch.bfloat16 or not torch.allclose(
            product.float(), a @ b, atol=0.25, rtol=2**-6):
        return False, 'a bf16 matrix product under CPU autocast failed its check'
    if not _bf16_attention_runs():
        return False, ("torch's bf16 attention kernel fails on this CPU with its dispatch "
                       '(ATEN_CPU_CAPABILITY below the CPU\'s instruction set?)')
    return True, 'the CPU has native bf16 instructions'


@OPTIM_WRAPPERS.register_module()
class MixedPrecisionOptimWrapper(AmpOptimWrapper):
    """Mixed-precision training that one config runs on a GPU and on a CPU alike.

    * With a GPU/NPU/MLU/MUSA it is exactly mmengine's ``AmpOptimWrapper`` (fp16, or
      ``dtype``, autocast and loss scaling).
    * On a CPU the forward pass (``optim_context``, which ``train_step`` wraps around the
      model's loss) runs under ``torch.autocast('cpu', dtype=torch.bfloat16)``. There is no
      loss scaling: bf16 has fp32's exponent range, so gradients do not underflow. Backward,
      accumulation, gradient clipping, the optimizer step and the state dict are those of
      ``OptimWrapper``; parameters, gradients and optimizer state stay fp32.
    * Where the CPU lacks native bf16 (see :func:`cpu_bf16_support`), or with
      ``cpu_dtype='float32'``, it trains in fp32 as ``OptimWrapper`` does. So does a model
      with MMDetection's dense or RoI heads (e.g. Mask R-CNN), whose mmcv CPU kernels (NMS,
      RoIAlign) take no bf16; it is checked at the first step. The precision in
      use is logged and kept in :attr:`precision` (``'fp16'``, ``'bf16'``, ``'fp32'``).

    What runs in bf16 under CPU autocast: the ops PyTorch's CPU autocast lists as lower
    precision, i.e. linear layers, convolutions and matrix products (attention's
    ``q @ k^T`` and ``attn @ v``, or fused scaled-dot-product attention); what follows them
    sees bf16 activations. What stays fp32 where precision matters:

    * statistics: LayerNorm/GroupNorm and softmax take bf16 activations but reduce (mean and
      variance, max and sum of exponentials) in fp32 inside the CPU kernels; their output is
      the fp32 result rounded once to bf16;
    * losses: ``mse_loss``/``l1_loss`` are fp32 ops of CPU autocast, and ``MixMAEHead``
      casts the prediction to fp32 before its loss; element-wise ops between a bf16 and an
      fp32 tensor promote to fp32;
    * targets: ``LowPassTargetGenerator`` disables autocast around its FFTs, targets are
      built from the fp32 input batch, and the heads' per-patch normalisation (``norm_pix``)
      works on them in fp32;
    * parameters, gradients, optimizer state (and thus checkpoints) are fp32.

    Mixing, masks and group ids are integer sampling plus index/``where``/``gather``
    selections, which autocast does not touch: the same seed gives the same mixing in bf16
    and fp32, and mixed tokens are exact copies of the unmixed ones.

    Args:
        loss_scale (float | str | dict): Loss scaling on a GPU, as in ``AmpOptimWrapper``.
            Ignored on a CPU. Defaults to ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype on a GPU, as in
            ``AmpOptimWrapper`` (None: float16). Ignored on a CPU. Defaults to None.
        use_fsdp (bool): As in ``AmpOptimWrapper``; GPU only. Defaults to False.
        cpu_dtype (str): ``'bfloat16'`` (autocast where the CPU supports it) or
            ``'float32'`` (force fp32 on a CPU). Defaults to ``'bfloat16'``.
        **kwargs: Arguments of ``OptimWrapper`` (``optimizer``, ``accumulative_counts``,
            ``clip_grad``).
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 use_fsdp: bool = False,
                 cpu_dtype: str = 'bfloat16',
                 **kwargs):
        if cpu_dtype not in CPU_DTYPES:
            raise ValueError(f'MixedPrecisionOptimWrapper: cpu_dtype must be one of '
                             f'{CPU_DTYPES}, got {cpu_dtype!r}')
        if _has_accelerator():
            super().__init__(loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp, **kwargs)
            self.precision = {
                None: 'fp16',
                torch.float16: 'fp16',
                torch.bfloat16: 'bf16',
                torch.float32: 'fp32'
            }.get(self.cast_dtype, str(self.cast_dtype))
            self._log(f'accelerator found: AmpOptimWrapper behaviour, autocast '
                      f'{self.precision} with loss scaling')
            return
        OptimWrapper.__init__(self, **kwargs)
        self.loss_scaler = None
        self._model_checked = False
        self._scale_update_param = None
        if cpu_dtype == 'float32':
            self.cast_dtype = None
            self._log('no GPU: training in fp32 (cpu_dtype=float32)')
        else:
            supported, reason = cpu_bf16_support()
            self.cast_dtype = torch.bfloat16 if supported else None
            if supported:
                self._log(f'no GPU: training with bf16 autocast on the CPU ({reason})')
            else:
                self._log(f'no GPU and no bf16 on this CPU ({reason}): training in fp32',
                          logging.WARNING)
        self.precision = 'bf16' if self.cast_dtype is not None else 'fp32'

    @staticmethod
    def _log(msg: str, level: int = logging.INFO) -> None:
        print_log(f'[MixedPrecisionOptimWrapper] {msg}', logger='current', level=level)

    @property
    def on_cpu(self) -> bool:
        """True when running the CPU path (no loss scaler)."""
        return self.loss_scaler is None

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        if self.on_cpu:
            OptimWrapper.backward(self, loss, **kwargs)
        else:
            super().backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        if self.on_cpu:
            OptimWrapper.step(self, **kwargs)
        else:
            super().step(**kwargs)

    def state_dict(self) -> dict:
        if self.on_cpu:
            return OptimWrapper.state_dict(self)
        return super().state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        if self.on_cpu and 'loss_scaler' in state_dict:
            # A GPU run's checkpoint: its loss scale has no meaning without scaling.
            state_dict = {k: v for k, v in state_dict.items() if k != 'loss_scaler'}
            self._log('the checkpoint has a GPU loss-scaler state; not used on the CPU')
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-sync control of ``OptimWrapper`` plus autocast in :attr:`precision`."""
        if not self.on_cpu:
            with super().optim_context(model):
                yield
            return
        if self.cast_dtype is not None and not self._model_checked:
            self._model_checked = True
            fp32_only = sorted({
                type(m).__name__
                for m in model.modules() if type(m).__module__.startswith(FP32_ONLY_CPU_PACKAGES)
            })
            if fp32_only:
                self.cast_dtype, self.precision = None, 'fp32'
                self._log(
                    f'{", ".join(fp32_only)} call mmcv CPU kernels (NMS, RoIAlign) '
                    'that have no bf16 version: training in fp32', logging.WARNING)
        with OptimWrapper.optim_context(self, model), torch.autocast(
                device_type='cpu', dtype=torch.bfloat16, enabled=self.cast_dtype is not None):
            yield
