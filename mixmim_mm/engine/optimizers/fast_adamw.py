"""AdamW that runs the fastest implementation the installed PyTorch has for its parameters."""
import inspect
from typing import Dict, Iterable, List, Optional, Tuple

import torch
from mmengine.registry import OPTIMIZERS
from torch.optim.adam import adam

# Group options that ``adam()`` takes as arguments: groups equal in all of them take one
# multi-tensor update.
_UPDATE_OPTIONS = ('amsgrad', 'betas', 'lr', 'weight_decay', 'eps', 'maximize', 'foreach',
                   'capturable', 'differentiable', 'fused', 'decoupled_weight_decay')
# torch's own per-group collection of state (a private method): used only where it has the
# arguments this file was written against, else every group steps on its own.
_INIT_GROUP_ARGS = ('group', 'params_with_grad', 'grads', 'exp_avgs', 'exp_avg_sqs',
                    'max_exp_avg_sqs', 'state_steps')


def _can_merge_groups() -> bool:
    init_group = getattr(torch.optim.Adam, '_init_group', None)
    if init_group is None:
        return False
    names = tuple(inspect.signature(init_group).parameters)[1:]
    return names == _INIT_GROUP_ARGS and 'decoupled_weight_decay' in inspect.signature(
        adam).parameters


_MERGE_GROUPS = _can_merge_groups()

# Where the private helper is missing (other torch versions), the devices that have had a
# fused AdamW kernel since torch 2.4.
_FALLBACK_FUSED_DEVICES = ('cuda', 'cpu')


def _fused_devices() -> Tuple[str, ...]:
    try:
        from torch.utils._foreach_utils import _get_fused_kernels_supported_devices
        return tuple(_get_fused_kernels_supported_devices())
    except (ImportError, AttributeError):
        return _FALLBACK_FUSED_DEVICES


def _foreach_devices() -> Tuple[str, ...]:
    try:
        from torch.utils._foreach_utils import _get_foreach_kernels_supported_devices
        return tuple(_get_foreach_kernels_supported_devices())
    except (ImportError, AttributeError):
        return ('cuda', )


def _tensors(params: List) -> List[torch.Tensor]:
    out = []
    for item in params:
        if isinstance(item, dict):
            out.extend(_tensors(list(item['params'])))
        elif isinstance(item, tuple):  # (name, tensor) pairs
            out.append(item[1])
        else:
            out.append(item)
    return out


def fastest_adamw_implementation(params: Iterable) -> Dict[str, Optional[bool]]:
    """``fused``/``foreach`` arguments of ``torch.optim.AdamW`` for these parameters.

    The fused kernel (one kernel for all parameters, no per-tensor Python loop) where torch has
    one for every parameter's device and the parameters are floating point; else the
    multi-tensor ``foreach`` path where the device has it; else the per-parameter loop.
    """
    tensors = _tensors(list(params))
    devices = {t.device.type for t in tensors}
    floating = all(torch.is_floating_point(t) for t in tensors)
    if tensors and floating and devices <= set(_fused_devices()):
        return dict(fused=True, foreach=False)
    if tensors and devices <= set(_foreach_devices()):
        return dict(fused=False, foreach=True)
    return dict(fused=False, foreach=False)


@OPTIMIZERS.register_module()
class FastAdamW(torch.optim.AdamW):
    """``torch.optim.AdamW`` with its implementation chosen for the parameters' device.

    PyTorch's AdamW defaults to a per-parameter Python loop on a CPU, which on a
    Swin-B step costs about as much as the forward pass's matrix products. This class picks
    the fused kernel where the installed torch has one for the device (CPU and CUDA in
    current torch), the ``foreach`` kernels otherwise (see
    :func:`fastest_adamw_implementation`), so a config names no flag that the installed torch
    might lack. The update is AdamW's; the implementations differ only in float rounding.

    It is registered in mmengine's root optimizer registry, so MMPretrain, MMDetection and
    MMSegmentation configs all find ``type='FastAdamW'``. A config that sets ``fused`` or
    ``foreach`` itself gets what it asks for.

    The implementation belongs to the run, not to the checkpoint: :meth:`load_state_dict`
    keeps this optimizer's choice, so a run resumed on another device or torch (or from a
    checkpoint of plain ``AdamW``) continues with its own fastest step.

    Args:
        params: Parameters or parameter groups, as for ``torch.optim.AdamW``.
        **kwargs: ``torch.optim.AdamW`` arguments (``lr``, ``betas``, ``eps``,
            ``weight_decay``, ``amsgrad``, ...).
    """

    def __init__(self,
                 params,
                 *,
                 fused: Optional[bool] = None,
                 foreach: Optional[bool] = None,
                 **kwargs) -> None:
        params = list(params)
        if fused is None and foreach is None:
            choice = fastest_adamw_implementation(params)
            fused, foreach = choice['fused'], choice['foreach']
        super().__init__(params, fused=fused, foreach=foreach, **kwargs)
        self.implementation = dict(fused=fused, foreach=foreach)

    @property
    def implementation_name(self) -> str:
        """``'fused'``, ``'foreach'`` or ``'loop'``."""
        if self.implementation['fused']:
            return 'fused'
        return 'foreach' if self.implementation['foreach'] else 'loop'

    def _update_key(self, group: dict):
        """Groups with equal keys are updated by one ``adam()`` call, or None: on their own."""
        if not _MERGE_GROUPS or group['differentiable'] or torch.is_tensor(group['lr']):
            return None
        return tuple(group[k] if k != 'betas' else tuple(group[k]) for k in _UPDATE_OPTIONS)

    @torch.no_grad()
    def step(self, closure=None):
        """AdamW's step, with groups of equal options updated together.

        MMEngine's optimizer constructors make one group per parameter when a config has a
        ``paramwise_cfg`` (every config here), and a kernel call per group would forfeit what
        the fused and foreach kernels gain. The groups stay as they are (schedulers, state
        dict and resume see AdamW's layout); only the update calls are merged.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        buckets: Dict[tuple, List[dict]] = {}
        alone = []
        for group in self.param_groups:
            key = self._update_key(group)
            if key is None:
                alone.append(group)
            else:
                buckets.setdefault(key, []).append(group)
        for groups in buckets.values():
            self._update_together(groups)
        if alone:
            self._torch_step(alone)
        return loss

    def _update_together(self, groups: List[dict]) -> None:
        """One ``adam()`` call over the parameters of ``groups`` (equal options)."""
        lists = dict(
            params_with_grad=[],
            grads=[],
            exp_avgs=[],
            exp_avg_sqs=[],
            max_exp_avg_sqs=[],
            state_steps=[])
        has_complex = False
        for group in groups:
            has_complex |= bool(self._init_group(group, *lists.values()))
        if not lists['params_with_grad']:
            return
        group = groups[0]
        adam(
            *lists.values(),
            amsgrad=group['amsgrad'],
            has_complex=has_complex,
            beta1=group['betas'][0],
            beta2=group['betas'][1],
            lr=group['lr'],
            weight_decay=group['weight_decay'],
            eps=group['eps'],
            maximize=group['maximize'],
            foreach=group['foreach'],
            capturable=group['capturable'],
            differentiable=group['differentiable'],
            fused=group['fused'],
            grad_scale=getattr(self, 'grad_scale', None),
            found_inf=getattr(self, 'found_inf', None),
            decoupled_weight_decay=group['decoupled_weight_decay'])

    def _torch_step(self, groups: List[dict]) -> None:
        """torch's own step over just ``groups`` (those that cannot be merged)."""
        all_groups = self.param_groups
        self.param_groups = groups
        try:
            super().step()
        finally:
            self.param_groups = all_groups

    def load_state_dict(self, state_dict: dict) -> None:
        # torch places the 'step' counters by the saved groups' flags (on the parameter's
        # device for fused), so the flags are replaced before loading, not after.
        state_dict = dict(state_dict)
        state_dict['param_groups'] = [
            dict(group, **self.implementation) for group in state_dict['param_groups']
        ]
        super().load_state_dict(state_dict)
