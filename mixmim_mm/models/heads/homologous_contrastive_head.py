"""MixedAE's homologous contrastive loss: tokens of the same source image are positives."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

POSITIVE_MODES = ('separate', 'mean')


def homologous_contrastive_loss(features: torch.Tensor,
                                source_ids: torch.Tensor,
                                temperature: float = 0.25,
                                positives: str = 'separate') -> torch.Tensor:
    """Eq. 7 of MixedAE, vectorised over mixed samples.

    For anchor token ``l`` of a mixed sample, the denominator runs over every other token
    ``l' != l`` of the same sample (no cross-sample negatives) and the similarity is the
    cosine divided by ``temperature``.

    * ``'separate'`` (the paper's default, SupCon style): every other token of the same
      source image is a positive in its own term; an anchor's terms are averaged (the
      1/|P(l)| of SupCon, so the loss does not scale with the group size).
    * ``'mean'`` (the paper's "mean positive" control): one positive per anchor, the
      mean direction of the anchor and all its homologous tokens.

    Anchors without another token of their image (an image supplying one token) have no
    positive and are left out; the loss is the mean over the remaining anchors (zero,
    with gradients, if there are none).

    Args:
        features (torch.Tensor): ``(M, L, D)`` projected token features.
        source_ids (torch.Tensor): ``(M, L)`` source image of every token.
        temperature (float): tau. Defaults to 0.25.
        positives (str): ``'separate'`` or ``'mean'``.
    """
    if positives not in POSITIVE_MODES:
        raise ValueError(f'positives must be one of {POSITIVE_MODES}, got {positives!r}')
    z = F.normalize(features.float(), dim=-1)
    num_tokens = z.shape[1]
    self_pair = torch.eye(num_tokens, dtype=torch.bool, device=z.device)
    same = source_ids[:, :, None] == source_ids[:, None, :]
    pos = same & ~self_pair
    num_pos = pos.sum(-1)
    sim = (z @ z.transpose(1, 2)) / temperature
    log_denominator = sim.masked_fill(self_pair, float('-inf')).logsumexp(dim=-1)
    if positives == 'separate':
        pos_logits = sim.masked_fill(~pos, 0.).sum(-1) / num_pos.clamp(min=1)
    else:
        prototype = F.normalize(same.to(z.dtype) @ z, dim=-1)
        pos_logits = (z * prototype).sum(-1) / temperature
    per_anchor = log_denominator - pos_logits
    valid = (num_pos > 0).to(per_anchor.dtype)
    return (per_anchor * valid).sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class HomologousContrastiveHead(BaseModule):
    """Linear projector and homologous contrastive loss (MixedAE's L_HomoCon).

    Takes the encoder's patch tokens after its final LayerNorm ("post-[LN]").

    Args:
        in_channels (int): Encoder width. Defaults to 768.
        proj_dims (int): Projector output width. Defaults to 128.
        temperature (float): tau. Defaults to 0.25.
        loss_weight (float): lambda. Defaults to 0.1.
        positives (str): ``'separate'`` (default) or ``'mean'``, see
            :func:`homologous_contrastive_loss`.
        proj_bias (bool): Bias in the projector (the paper does not say). Defaults to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 768,
                 proj_dims: int = 128,
                 temperature: float = 0.25,
                 loss_weight: float = 0.1,
                 positives: str = 'separate',
                 proj_bias: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if positives not in POSITIVE_MODES:
            raise ValueError(f'positives must be one of {POSITIVE_MODES}, got {positives!r}')
        if temperature <= 0:
            raise ValueError(f'temperature must be positive, got {temperature}')
        self.projector = nn.Linear(in_channels, proj_dims, bias=proj_bias)
        self.temperature = temperature
        self.loss_weight = loss_weight
        self.positives = positives

    def init_weights(self):
        super().init_weights()
        nn.init.xavier_uniform_(self.projector.weight)
        if self.projector.bias is not None:
            nn.init.zeros_(self.projector.bias)

    def loss(self, tokens: torch.Tensor, source_ids: torch.Tensor) -> torch.Tensor:
        """``loss_weight`` x L_HomoCon of ``(M, L, C)`` tokens with ``(M, L)`` sources."""
        return self.loss_weight * homologous_contrastive_loss(
            self.projector(tokens), source_ids, self.temperature, self.positives)
