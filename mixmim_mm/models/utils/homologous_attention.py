"""Homologous attention (MixedAE): each query attends only to its K largest attention logits."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.utils import MultiheadAttention


def topk_count(ratio: float, num_tokens: int) -> int:
    """K for a sequence of ``num_tokens`` tokens: ``round(ratio * num_tokens)``, at least 1.

    For ViT-B/16 at 224 px with the class token (197 tokens) and ``ratio`` 0.25 this is
    49 = 0.25 L, the paper's threshold; other input sizes and ratios follow at run time.
    """
    if not 0 < ratio <= 1:
        raise ValueError(f'the TopK ratio must be in (0, 1], got {ratio}')
    return max(1, min(num_tokens, int(round(ratio * num_tokens))))


def topk_drop_mask(logits: torch.Tensor, k: int) -> torch.Tensor:
    """``True`` where a logit is below the ``k``-th largest of its row (last dim).

    Only the ``(..., 1)`` threshold is kept from the selection, so no index tensor
    outlives this call; logits tied with the threshold are all kept.
    """
    kth = logits.topk(k, dim=-1, sorted=False).values.amin(dim=-1, keepdim=True)
    return logits < kth


@torch.no_grad()
def topk_sampling_accuracy(dropped: torch.Tensor, source_ids: torch.Tensor) -> torch.Tensor:
    """Fraction of the kept keys of each patch query that come from the query's own image.

    Args:
        dropped (torch.Tensor): ``(B, heads, N, N)`` bool, ``True`` for dropped keys.
        source_ids (torch.Tensor): ``(B, N)`` source image of every token, negative for
            tokens of no image (the class token), which never count as homologous and
            are not scored as queries.

    Returns:
        torch.Tensor: Scalar mean over patch queries and heads (the paper's Fig. 6).
    """
    same = source_ids[:, None, :, None] == source_ids[:, None, None, :]
    kept = dropped.shape[-1] - dropped.sum(-1)
    homologous = same.sum(-1) - (same & dropped).sum(-1)
    precision = homologous / kept.clamp(min=1)
    # A weighted mean rather than boolean indexing: no host sync on GPUs.
    queries = (source_ids >= 0)[:, None].to(precision.dtype)
    return (precision * queries).sum() / (queries.sum() * precision.shape[1])


class HomologousAttention(nn.Module):
    """Multi-head self-attention with MixedAE's homologous TopK (Eq. 6 of the paper).

    With ``top_k`` set, every query keeps, per head, the ``top_k`` largest scaled logits
    ``q k^T / sqrt(d)`` and the other logits are masked to ``-inf`` before the softmax;
    values are attended as usual and gradients flow through the kept logits. The
    selection comes from the model's own logits only; ``source_ids`` feed the
    sampling-accuracy diagnostic and never change the output. Without ``top_k`` it is
    plain (optionally masked) scaled-dot-product attention.

    Beyond plain attention, only one ``(B, heads, N, N)`` logits tensor (masked in place,
    then turned into the softmax output) and its bool drop mask are alive per layer.

    The module adopts the projections of an MMPretrain ``MultiheadAttention``, so the
    state-dict keys (``qkv``, ``proj``, ``gamma1``) are those of MMPretrain's ViT.

    Args:
        attention (MultiheadAttention): The attention whose weights and dropouts to use.
    """

    def __init__(self, attention: MultiheadAttention):
        super().__init__()
        if attention.v_shortcut or attention.input_dims != attention.embed_dims:
            raise ValueError('HomologousAttention needs a square self-attention without '
                             'v_shortcut')
        self.embed_dims = attention.embed_dims
        self.num_heads = attention.num_heads
        self.head_dims = attention.head_dims
        self.attn_drop = attention.attn_drop
        self.qkv = attention.qkv
        self.proj = attention.proj
        self.proj_drop = attention.proj_drop
        self.out_drop = attention.out_drop
        self.gamma1 = attention.gamma1
        self.last_topk_accuracy: Optional[torch.Tensor] = None

    def topk_weights(self,
                     q: torch.Tensor,
                     k: torch.Tensor,
                     top_k: int,
                     source_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``(B, heads, N, N)`` attention weights, zero outside each query's TopK keys."""
        logits = (q * self.head_dims**-0.5) @ k.transpose(-2, -1)
        dropped = topk_drop_mask(logits.detach(), top_k)
        if source_ids is not None:
            self.last_topk_accuracy = topk_sampling_accuracy(dropped, source_ids)
        # In place: the matmul does not keep its output, so no second copy is made.
        return logits.masked_fill_(dropped, float('-inf')).softmax(dim=-1)

    def forward(self,
                x: torch.Tensor,
                top_k: Optional[int] = None,
                attn_mask: Optional[torch.Tensor] = None,
                source_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Attend.

        Args:
            x (torch.Tensor): ``(B, N, C)`` tokens.
            top_k (int, optional): Keys kept per query and head; global attention when
                None or ``>= N``.
            attn_mask (torch.Tensor, optional): SDPA mask (``True`` = may attend) for the
                masked-attention control; only used without ``top_k``.
            source_ids (torch.Tensor, optional): ``(B, N)`` source image per token; when
                given with ``top_k``, ``last_topk_accuracy`` is updated.
        """
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.num_heads, self.head_dims).permute(2, 0, 3, 1, 4)
        drop = self.attn_drop if self.training else 0.
        if top_k is None or top_k >= n:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=drop)
        else:
            if attn_mask is not None:
                raise ValueError('attn_mask and top_k are alternatives, got both')
            attn = self.topk_weights(q, k, top_k, source_ids)
            out = F.dropout(attn, drop) @ v if drop else attn @ v
        out = out.transpose(1, 2).reshape(b, n, self.embed_dims)
        return self.out_drop(self.gamma1(self.proj_drop(self.proj(out))))
