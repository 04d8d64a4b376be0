import torch

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
