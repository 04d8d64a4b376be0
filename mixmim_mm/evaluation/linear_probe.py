"""Linear probing of frozen features: multinomial logistic regression, the same recipe for
every model, so that differences come from the features."""
from typing import Sequence, Union

import torch
import torch.nn.functional as F

#: L2 penalties tried by default; the one that scores best on a held-out part of the training
#: split is used (the usual protocol of linear evaluation, e.g. SimCLR's and DINO's sweeps).
DEFAULT_WEIGHT_DECAYS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


def _standardise(train_x: torch.Tensor, *others: torch.Tensor):
    train_x = train_x.double()
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-6)
    return [(train_x - mean) / std] + [(x.double() - mean) / std for x in others]


def _fit(train_x, labels, num_classes, weight_decay, max_iter, seed):
    """Weights and bias minimising cross-entropy + ``weight_decay / 2 * |W|^2`` (L-BFGS)."""
    generator = torch.Generator().manual_seed(seed)
    weight = (torch.randn(num_classes, train_x.shape[1], generator=generator, dtype=torch.float64) *
              1e-3).requires_grad_()
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias],
                                  lr=1,
                                  max_iter=max_iter,
                                  history_size=20,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(train_x @ weight.T + bias, labels)
        loss = loss + 0.5 * weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    return weight.detach(), bias.detach()


def _top1(weight, bias, x, labels) -> float:
    return ((x @ weight.T + bias).argmax(1) == labels.long()).double().mean().item()


def select_weight_decay(train_features: torch.Tensor,
                        train_labels: torch.Tensor,
                        num_classes: int,
                        weight_decays: Sequence[float] = DEFAULT_WEIGHT_DECAYS,
                        holdout_fraction: float = 0.2,
                        max_iter: int = 300,
                        seed: int = 0) -> float:
    """The L2 penalty of ``weight_decays`` that scores best on a random ``holdout_fraction``
    of the training split after fitting on the rest (the val split is never looked at; ties
    go to the larger penalty)."""
    if not 0 < holdout_fraction < 1:
        raise ValueError(f'holdout_fraction must be in (0, 1), got {holdout_fraction}')
    order = torch.randperm(len(train_labels), generator=torch.Generator().manual_seed(seed))
    num_held = max(1, int(round(holdout_fraction * len(order))))
    held, kept = order[:num_held], order[num_held:]
    fit_x, held_x = _standardise(train_features[kept], train_features[held])
    fit_y = train_labels[kept].long()
    best, best_top1 = None, -1.0
    for weight_decay in sorted(weight_decays, reverse=True):
        top1 = _top1(*_fit(fit_x, fit_y, num_classes, weight_decay, max_iter, seed), held_x,
                     train_labels[held])
        if top1 > best_top1:
            best, best_top1 = weight_decay, top1
    return best


def linear_probe_top1(train_features: torch.Tensor,
                      train_labels: torch.Tensor,
                      val_features: torch.Tensor,
                      val_labels: torch.Tensor,
                      num_classes: int,
                      weight_decay: Union[float, Sequence[float]] = DEFAULT_WEIGHT_DECAYS,
                      max_iter: int = 300,
                      seed: int = 0) -> float:
    """Fit a linear classifier on frozen features; top-1 accuracy (0..1) on the val split.

    The features are standardised with the training set's mean and standard deviation (the
    role of the parameter-free BatchNorm that MAE puts before its linear head), then a
    linear layer is fitted by full-batch L-BFGS to the cross-entropy plus
    ``weight_decay / 2 * |W|^2``: a convex problem, so the result does not depend on a
    learning-rate schedule or on the order of the samples. Given several penalties, the one
    chosen by :func:`select_weight_decay` on the training split is used for the final fit.

    Args:
        train_features (Tensor): ``(N, C)`` features of the training split.
        train_labels (Tensor): ``(N,)`` integer labels.
        val_features (Tensor): ``(M, C)`` features of the val split.
        val_labels (Tensor): ``(M,)`` integer labels.
        num_classes (int): Number of classes.
        weight_decay (float | Sequence[float]): The L2 penalty on the weights, or the
            penalties to choose from. Defaults to ``DEFAULT_WEIGHT_DECAYS``.
        max_iter (int): L-BFGS iterations per fit. Defaults to 300.
        seed (int): Seed of the held-out split and of the (zero-mean, small) initial
            weights. Defaults to 0.

    Returns:
        float: Top-1 accuracy on the val split.
    """
    if not isinstance(weight_decay, (int, float)):
        weight_decay = select_weight_decay(
            train_features, train_labels, num_classes, weight_decay, max_iter=max_iter, seed=seed)
    train_x, val_x = _standardise(train_features, val_features)
    weight, bias = _fit(train_x, train_labels.long(), num_classes, weight_decay, max_iter, seed)
    return _top1(weight, bias, val_x, val_labels)
