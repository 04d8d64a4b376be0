from unittest import mock

import pytest
import torch
import torch.nn.functional as F

from mixmim_mm.models.utils.window_attention import WindowAttention, same_group_mask


def test_cpu_training_path_equals_sdpa():
    """The plain-tensor path used for CPU training computes what SDPA computes."""
    torch.manual_seed(0)
    attn = WindowAttention(32, 4, window_size=4)
    x = torch.randn(6, 16, 32)
    mask = same_group_mask(torch.randint(0, 2, (6, 16)))
    train_out = attn(x, (4, 4), mask)  # grad enabled, CPU: plain path
    with torch.no_grad():
        sdpa_out = attn(x, (4, 4), mask)  # no grad: SDPA
    assert torch.allclose(train_out, sdpa_out, atol=1e-5)
    train_out.sum().backward()
    assert attn.relative_position_bias_table.grad.abs().sum() > 0


def test_grouped_attention_equals_masked_attention():
    """Attending per group (single-window maps) gives the masked result and its gradients."""
    from mixmim_mm.models.utils.group_layout import GroupLayout
    torch.manual_seed(0)
    attn = WindowAttention(32, 4, window_size=6)
    ids = torch.randint(0, 3, (2, 36))
    x = torch.randn(2, 36, 32, requires_grad=True)
    dense = attn(x, (6, 6), same_group_mask(ids))
    grad_dense = torch.autograd.grad(dense.square().sum(), [x, attn.relative_position_bias_table])
    grouped = attn(x, (6, 6), layout=GroupLayout(ids))
    grad_grouped = torch.autograd.grad(grouped.square().sum(),
                                       [x, attn.relative_position_bias_table])
    assert torch.allclose(grouped, dense, atol=1e-5)
    for a, b in zip(grad_grouped, grad_dense):
        assert torch.allclose(a, b, atol=1e-4)


def test_sdpa_everywhere_gives_the_cpu_training_path_and_its_gradients():
    """attn_impl='sdpa' trains through SDPA on CPU too, with the same values and gradients."""
    from mixmim_mm.models.utils.group_layout import GroupLayout
    torch.manual_seed(0)
    plain = WindowAttention(32, 4, window_size=4)
    sdpa = WindowAttention(32, 4, window_size=4, attn_impl='sdpa')
    sdpa.load_state_dict(plain.state_dict())
    ids = torch.randint(0, 2, (6, 16))
    x = torch.randn(6, 16, 32)
    for kwargs in (dict(group_mask=same_group_mask(ids)), dict(layout=GroupLayout(ids))):
        outs, grads = [], []
        for attn in (plain, sdpa):
            with mock.patch.object(
                    F, 'scaled_dot_product_attention', wraps=F.scaled_dot_product_attention) as spy:
                out = attn(x, (4, 4), **kwargs)
            assert spy.called == (attn is sdpa)
            outs.append(out)
            grads.append(torch.autograd.grad(out.square().sum(), list(attn.parameters())))
        assert torch.allclose(outs[0], outs[1], atol=1e-5)
        for a, b in zip(*grads):
            assert torch.allclose(a, b, atol=1e-4)


def test_unknown_attn_impl_is_rejected():
    with pytest.raises(ValueError, match="attn_impl must be one of"):
        WindowAttention(32, 4, window_size=4, attn_impl='flash')
