"""The homologous contrastive loss equals a loop over Eq. 7 and survives positive-less anchors."""
import math

import pytest
import torch
import torch.nn.functional as F

from mixmim_mm.models.heads.homologous_contrastive_head import (HomologousContrastiveHead,
                                                                homologous_contrastive_loss)


def loop_reference(features, ids, tau, positives):
    """Eq. 7 token by token: SupCon average over positives (or the mean positive),
    denominator over all other tokens of the same sample, anchors without positive skipped."""
    z = F.normalize(features, dim=-1)
    terms = []
    for m in range(z.shape[0]):
        n = z.shape[1]
        for i in range(n):
            pos = [j for j in range(n) if j != i and ids[m, j] == ids[m, i]]
            if not pos:
                continue
            denom = sum(math.exp(float(z[m, i] @ z[m, j]) / tau) for j in range(n) if j != i)
            if positives == 'separate':
                terms.append(
                    sum(-math.log(math.exp(float(z[m, i] @ z[m, j]) / tau) / denom)
                        for j in pos) / len(pos))
            else:
                proto = F.normalize(z[m, [i] + pos].sum(0), dim=0)
                terms.append(-math.log(math.exp(float(z[m, i] @ proto) / tau) / denom))
    return sum(terms) / len(terms)


@pytest.mark.parametrize('positives', ['separate', 'mean'])
def test_matches_loop_reference(positives):
    torch.manual_seed(0)
    features = torch.randn(3, 10, 8, dtype=torch.float64)
    ids = torch.randint(0, 3, (3, 10))
    loss = homologous_contrastive_loss(features, ids, 0.25, positives)
    assert loss.item() == pytest.approx(loop_reference(features, ids, 0.25, positives), rel=1e-5)


def test_image_with_a_single_token_gives_finite_loss_and_gradients():
    torch.manual_seed(0)
    features = torch.randn(2, 8, 6, requires_grad=True)
    ids = torch.tensor([[0, 1, 1, 1, 2, 2, 2, 2], [3, 3, 0, 0, 1, 1, 2, 2]])  # image 0 alone
    loss = homologous_contrastive_loss(features, ids)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(features.grad).all()
    assert loss.item() == pytest.approx(
        loop_reference(features.detach(), ids, 0.25, 'separate'), rel=1e-5)


def test_clustered_features_score_lower_than_random_ones():
    ids = torch.arange(4).repeat_interleave(4)[None]
    clustered = F.one_hot(ids, 8).float() + 0.01 * torch.randn(1, 16, 8)
    random = torch.randn(1, 16, 8)
    assert homologous_contrastive_loss(clustered, ids) < homologous_contrastive_loss(random, ids)


def test_head_projects_to_128_and_weights_by_lambda():
    head = HomologousContrastiveHead(in_channels=16)
    head.init_weights()
    assert head.projector.out_features == 128
    tokens, ids = torch.randn(2, 12, 16), torch.randint(0, 4, (2, 12))
    expected = 0.1 * homologous_contrastive_loss(head.projector(tokens), ids, 0.25)
    assert torch.allclose(head.loss(tokens, ids), expected)


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match='positives'):
        HomologousContrastiveHead(positives='max')
    with pytest.raises(ValueError, match='temperature'):
        HomologousContrastiveHead(temperature=0)
