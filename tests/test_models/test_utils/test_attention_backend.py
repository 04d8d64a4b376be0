"""Short sequences on a CPU in bf16 take SDPA's math path; everything else torch's choice."""
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from mixmim_mm.models.necks import FastMIMDecoder, MixMAEDecoder
from mixmim_mm.models.utils.attention_backend import SHORT_SEQUENCE, attention_kernel_for

FLASH = 'aten::_scaled_dot_product_flash_attention_for_cpu'


def sdpa_kernels(fn):
    """Names of the SDPA kernels ``fn()`` runs (forward and backward)."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return {e.name for e in prof.events() if 'scaled_dot_product' in e.name}


def attention(length):
    q = torch.randn(2, 2, length, 8, requires_grad=True)
    with attention_kernel_for(q, length):
        torch.nn.functional.scaled_dot_product_attention(q, q, q).sum().backward()


@pytest.mark.parametrize('autocast,length,flash', [
    (True, SHORT_SEQUENCE, False),
    (False, 16, True),
])
def test_flash_kernel_only_where_it_is_faster(autocast, length, flash):
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        kernels = sdpa_kernels(lambda: attention(length))
    assert (FLASH in kernels) == flash, kernels


def test_long_sequences_keep_torchs_choice():
    # Checked on the backend switches rather than by running torch's bf16 flash kernel,
    # which raises under ATEN_CPU_CAPABILITY=default on a CPU with AMX (a torch limitation).
    q = torch.zeros(1, 1, SHORT_SEQUENCE + 1, 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        with attention_kernel_for(q, SHORT_SEQUENCE + 1):
            assert torch.backends.cuda.flash_sdp_enabled()
        with attention_kernel_for(q, SHORT_SEQUENCE):
            assert not torch.backends.cuda.flash_sdp_enabled()
            assert torch.backends.cuda.math_sdp_enabled()


def test_the_math_path_computes_the_same_attention():
    q, k, v = (torch.randn(2, 2, 16, 8) for _ in range(3))
    flash = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        with attention_kernel_for(q, 16):
            math = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    # bf16 inputs: 8 significant bits.
    torch.testing.assert_close(math.float(), flash, atol=3e-2, rtol=3e-2)


def test_decoders_use_the_math_path_in_bf16():
    mixmae = MixMAEDecoder(in_channels=16, embed_dims=16, depth=1, num_heads=2, grid_size=(4, 4))
    fastmim = FastMIMDecoder(in_channels=16, out_channels=12, embed_dims=16, depth=1)
    latent = torch.randn(2, 16, 16)
    group_ids = torch.zeros(2, 4, 4, dtype=torch.long)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        for run in (lambda: mixmae(latent, group_ids, torch.tensor([0])).sum().backward(),
                    lambda: fastmim(latent).sum().backward()):
            kernels = sdpa_kernels(run)
            assert kernels and FLASH not in kernels, kernels
