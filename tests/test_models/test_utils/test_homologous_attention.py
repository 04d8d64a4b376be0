"""Homologous attention keeps exactly K keys per query and head, and trains q, k and v."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.utils import MultiheadAttention

from mixmim_mm.models.utils import HomologousAttention, topk_count, topk_drop_mask


def make_attention(dims=16, heads=4):
    torch.manual_seed(0)
    return HomologousAttention(MultiheadAttention(dims, heads))


def qkv(b=2, heads=4, n=17, d=4):
    g = torch.Generator().manual_seed(1)
    return [torch.randn(b, heads, n, d, generator=g, requires_grad=True) for _ in range(3)]


def test_k_is_the_ratio_of_the_run_time_token_count():
    assert topk_count(0.25, 197) == 49  # ViT-B/16 at 224 px with the class token
    assert topk_count(0.25, 17) == 4
    assert topk_count(0.5, 17) == 8
    assert topk_count(0.25, 2) == 1
    with pytest.raises(ValueError, match='ratio'):
        topk_count(0., 10)


@pytest.mark.parametrize('k', [1, 4, 9])
def test_each_query_attends_to_exactly_k_keys_per_head(k):
    q, key, _ = qkv()
    weights = make_attention().topk_weights(q, key, k)
    assert torch.equal((weights > 0).sum(-1), torch.full(weights.shape[:-1], k))
    assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:-1]))


def test_kept_keys_are_the_largest_logits():
    q, key, _ = qkv()
    logits = q @ key.transpose(-2, -1)
    weights = make_attention().topk_weights(q, key, 4)
    top = logits.topk(4, dim=-1).indices
    kept = torch.zeros_like(weights, dtype=torch.bool).scatter_(-1, top, True)
    assert torch.equal(weights > 0, kept)
    assert torch.equal(topk_drop_mask(logits, 4), ~kept)


def test_forward_matches_masked_softmax_reference_and_full_k_is_plain_attention():
    attn = make_attention().eval()
    x = torch.randn(2, 17, 16)
    b, n, _ = x.shape
    q, k, v = attn.qkv(x).view(b, n, 3, 4, 4).permute(2, 0, 3, 1, 4)
    logits = q @ k.transpose(-2, -1) / 2.
    kth = logits.sort(-1, descending=True).values[..., 3:4]
    ref = logits.masked_fill(logits < kth, float('-inf')).softmax(-1) @ v
    ref = attn.proj(ref.transpose(1, 2).reshape(b, n, 16))
    assert torch.allclose(attn(x, top_k=4), ref, atol=1e-5)
    plain = attn.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, 16))
    assert torch.allclose(attn(x, top_k=n), plain, atol=1e-5)
    assert torch.allclose(attn(x), plain, atol=1e-5)


def test_gradients_reach_q_k_and_v():
    q, k, v = qkv()
    out = make_attention().topk_weights(q, k, 4) @ v
    out.square().sum().backward()
    for t in (q, k, v):
        assert t.grad is not None and t.grad.abs().sum() > 0 and torch.isfinite(t.grad).all()


def test_gradients_reach_the_q_k_v_projection_rows():
    attn = make_attention()
    attn(torch.randn(2, 17, 16), top_k=4).square().sum().backward()
    grad = attn.qkv.weight.grad.view(3, 16, 16)
    assert all(grad[i].abs().sum() > 0 for i in range(3))


def test_source_ids_only_feed_the_diagnostic():
    attn = make_attention().eval()
    x = torch.randn(2, 17, 16)
    ids = torch.cat([torch.full((2, 1), -1), torch.randint(0, 4, (2, 16))], dim=1)
    assert torch.equal(attn(x, top_k=4), attn(x, top_k=4, source_ids=ids))
    assert 0 <= float(attn.last_topk_accuracy) <= 1


def test_sampling_accuracy_is_one_when_only_homologous_keys_are_kept():
    # Keys of image 0 score high for queries of image 0 and low for the others.
    attn = make_attention()
    ids = torch.tensor([[-1, 0, 0, 1, 1, 1]])
    onehot = F.one_hot(ids.clamp(min=0), 2).float() * (ids >= 0)[..., None]
    q = k = onehot[:, None].expand(1, 4, 6, 2).contiguous() * 10
    attn.topk_weights(q, k, 2, ids)
    assert float(attn.last_topk_accuracy) == 1.0


def test_sampling_accuracy_matches_a_direct_count():
    q, k, _ = qkv(b=2, heads=4, n=9)
    ids = torch.tensor([[-1, 0, 0, 1, 1, 1, 2, 2, 2], [-1, 0, 1, 2, 0, 1, 2, 0, 1]])
    attn = make_attention()
    attn.topk_weights(q, k, 3, ids)
    kept = (q @ k.transpose(-2, -1)).topk(3, dim=-1).indices
    fractions = [
        float((ids[b, kept[b, h, i]] == ids[b, i]).float().mean()) for b in range(2)
        for h in range(4) for i in range(1, 9)
    ]
    assert float(attn.last_topk_accuracy) == pytest.approx(sum(fractions) / len(fractions))


def test_backward_keeps_one_attention_map_and_its_bool_mask():
    # Plain eager attention keeps its softmax output for backward; TopK adds only the bool
    # drop mask (1 byte per logit), no second float (B, heads, N, N) tensor and no indices.
    attn = make_attention()
    x = torch.randn(2, 17, 16, requires_grad=True)
    saved = {}

    def pack(t):
        if t.dim() == 4 and tuple(t.shape[-2:]) == (17, 17):
            saved[t.untyped_storage().data_ptr()] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        attn(x, top_k=4).sum().backward()
    logits_bytes = 2 * 4 * 17 * 17 * 4
    assert sum(saved.values()) <= logits_bytes + logits_bytes // 4
