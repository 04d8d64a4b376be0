"""FastAdamW: AdamW's update through the fastest implementation torch has for the device."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.models import VisionTransformer
from torch import nn

from mixmim_mm.engine.optimizers.fast_adamw import FastAdamW, fastest_adamw_implementation

# Fused, foreach and loop AdamW compute the same update with a different order of float
# operations: given the same gradients, 3 steps at lr 1e-2 move parameters by ~3e-2 and the
# implementations agree to ~1e-7 here. The tolerance leaves a wide margin for other CPUs
# and thread counts.
ATOL, RTOL = 1e-5, 1e-5


class TinyViT(nn.Module):
    """A 2-layer ViT with a head: class token, position table, norms, biases, layers."""

    def __init__(self):
        super().__init__()
        self.backbone = VisionTransformer(
            arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
            img_size=32,
            patch_size=8,
            out_type='cls_token')
        self.head = nn.Linear(32, 3)

    def forward(self, x):
        return self.head(self.backbone(x)[-1])

    def get_layer_depth(self, param_name):
        # As MMPretrain's ImageClassifier: the backbone's depths, the head on top.
        if param_name.startswith('backbone.'):
            return self.backbone.get_layer_depth(param_name, 'backbone.')
        num_layers = self.backbone.num_layers + 2
        return num_layers - 1, num_layers


# MMPretrain's layer-wise lr decay (one group per layer and decay kind) with the fine-tuning
# configs' no-decay keys, as in the fine-tuning configs.
LAYER_DECAY = dict(
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.bias': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }))
# MMEngine's default constructor with the pretraining configs' no-decay rules: one group per
# parameter.
NO_DECAY = dict(paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0., flat_decay_mult=0.))


def build(model, optimizer_type, grouping=LAYER_DECAY, **optimizer_kwargs):
    optimizer = dict(type=optimizer_type, lr=1e-2, weight_decay=0.05, betas=(0.9, 0.999))
    optimizer.update(optimizer_kwargs)
    cfg = dict(optimizer=optimizer, **grouping)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return build_optim_wrapper(model, cfg)


def batches(n):
    generator = torch.Generator().manual_seed(0)
    return [(torch.randn(4, 3, 32, 32,
                         generator=generator), torch.randint(0, 3, (4, ), generator=generator))
            for _ in range(n)]


def train(model, wrapper, data, *followers):
    """Steps ``wrapper`` on ``model``'s loss; each ``(model, wrapper)`` follower steps on the
    same gradients. Sharing gradients compares the updates themselves: a ViT's key bias has
    a gradient of pure rounding noise (softmax ignores it), which Adam scales up to a full
    step, so separately computed gradients part after one step whatever the optimizer."""
    for x, y in data:
        wrapper.backward(nn.functional.cross_entropy(model(x), y))
        for other, other_wrapper in followers:
            for param, other_param in zip(model.parameters(), other.parameters()):
                other_param.grad = None if param.grad is None else param.grad.clone()
            other_wrapper.step()
            other_wrapper.zero_grad()
        wrapper.step()
        wrapper.zero_grad()


def test_chooses_the_fused_kernel_on_cpu():
    # torch >= 2.4 has a fused AdamW for CPU tensors.
    assert fastest_adamw_implementation([torch.zeros(2)]) == dict(fused=True, foreach=False)


def test_integer_parameters_get_no_fused_kernel():
    assert not fastest_adamw_implementation([torch.zeros(2, dtype=torch.long)])['fused']


def test_a_flag_given_by_the_config_is_kept():
    optimizer = FastAdamW([nn.Parameter(torch.zeros(2))], foreach=False, fused=False)
    assert optimizer.implementation_name == 'loop'


@pytest.mark.parametrize('grouping', [LAYER_DECAY, NO_DECAY], ids=['layer-decay', 'no-decay'])
def test_fused_and_loop_give_the_same_parameters_after_three_steps(grouping):
    torch.manual_seed(0)
    fast_model = TinyViT()
    loop_model = copy.deepcopy(fast_model)
    start = copy.deepcopy(fast_model.state_dict())
    fast = build(fast_model, 'FastAdamW', grouping)
    loop = build(loop_model, 'AdamW', grouping, foreach=False, fused=False)
    assert fast.optimizer.implementation_name == 'fused'
    # Layer-wise groups with and without weight decay, as the constructor made them.
    decays = {g['weight_decay'] for g in fast.optimizer.param_groups}
    assert len(fast.optimizer.param_groups) > 4 and 0.0 in decays and len(decays) > 1
    assert [len(g['params']) for g in fast.optimizer.param_groups] == \
        [len(g['params']) for g in loop.optimizer.param_groups]
    train(fast_model, fast, batches(3), (loop_model, loop))
    moved = max((fast_model.state_dict()[k] - v).abs().max().item() for k, v in start.items())
    assert moved > 100 * ATOL
    for key, value in loop_model.state_dict().items():
        torch.testing.assert_close(fast_model.state_dict()[key], value, atol=ATOL, rtol=RTOL)


def test_groups_with_equal_options_take_one_update_call(monkeypatch):
    from mixmim_mm.engine.optimizers import fast_adamw
    calls = []

    def counting_adam(params, *args, **kwargs):
        calls.append(len(params))
        return adam(params, *args, **kwargs)

    adam = fast_adamw.adam
    monkeypatch.setattr(fast_adamw, 'adam', counting_adam)
    model = TinyViT()
    wrapper = build(model, 'FastAdamW', NO_DECAY)
    groups = wrapper.optimizer.param_groups
    assert len(groups) == len(list(model.parameters()))  # mmengine: one group per parameter
    train(model, wrapper, batches(1))
    # Two option sets (decayed, not decayed): two calls over all parameters.
    assert sorted(calls) == sorted(
        [sum(1 for g in groups if g['weight_decay'] == wd) for wd in (0., 0.05)])


@pytest.mark.parametrize('first,second', [('AdamW', 'FastAdamW'), ('FastAdamW', 'AdamW')])
def test_state_moves_between_implementations(first, second):
    # Two steps under `first`, its state loaded into `second`, one more step: the result is
    # that of three loop steps on the same gradients.
    torch.manual_seed(0)
    model = TinyViT()
    reference = copy.deepcopy(model)
    reference_wrapper = build(reference, 'AdamW', foreach=False, fused=False)
    data = batches(3)
    wrapper = build(model, first)
    train(model, wrapper, data[:2], (reference, reference_wrapper))
    resumed = build(model, second)
    resumed.load_state_dict(copy.deepcopy(wrapper.state_dict()))
    train(model, resumed, data[2:], (reference, reference_wrapper))
    if second == 'FastAdamW':
        assert all(g['fused'] for g in resumed.optimizer.param_groups)
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, atol=ATOL, rtol=RTOL)


@pytest.mark.slow
def test_runner_resumes_a_loop_checkpoint_with_the_fused_step(tiny_cfg):
    # Written by plain AdamW (the per-parameter loop), resumed by a config using FastAdamW:
    # the run continues with the fused kernel and ends where an uninterrupted run ends.
    def run(name, optimizer, max_iters, resume=False):
        cfg = tiny_cfg(name)
        cfg.optim_wrapper.optimizer.type = optimizer
        cfg.train_cfg.max_iters = max_iters
        cfg.resume = resume
        runner = Runner.from_cfg(cfg)
        runner.train()
        return runner

    full = run('full', 'AdamW', 6)
    run('interrupted', 'AdamW', 4)
    assert osp.isfile(osp.join(full.work_dir, '..', 'interrupted', 'iter_4.pth'))
    resumed = run('interrupted', 'FastAdamW', 6, resume=True)
    assert resumed.optim_wrapper.optimizer.implementation_name == 'fused'
    for key, value in full.model.state_dict().items():
        torch.testing.assert_close(
            resumed.model.state_dict()[key], value, atol=ATOL, rtol=RTOL, msg=key)
