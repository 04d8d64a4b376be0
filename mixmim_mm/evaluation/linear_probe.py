"""Linear probing of frozen features: multinomial logistic regression, the same recipe for
every model, so that differences come from the features."""
import torch
import torch.nn.functional as F


def linear_probe_top1(train_features: torch.Tensor,
                      train_labels: torch.Tensor,
                      val_features: torch.Tensor,
                      val_labels: torch.Tensor,
                      num_classes: int,
                      weight_decay: float = 1e-4,
                      max_iter: int = 300,
                      seed: int = 0) -> float:
    """Fit a linear classifier on frozen features; top-1 accuracy (0..1) on the val split.

    The features are standardised with the training set's mean and standard deviation (the
    role of the parameter-free BatchNorm that MAE puts before its linear head), then a
    linear layer is fitted by full-batch L-BFGS to the cross-entropy plus
    ``weight_decay / 2 * |W|^2``: a convex problem, so the result does not depend on a
    learning-rate schedule or on the order of the samples.

    Args:
        train_features (Tensor): ``(N, C)`` features of the training split.
        train_labels (Tensor): ``(N,)`` integer labels.
        val_features (Tensor): ``(M, C)`` features of the val split.
        val_labels (Tensor): ``(M,)`` integer labels.
        num_classes (int): Number of classes.
        weight_decay (float): L2 penalty on the weights. Defaults to 1e-4.
        max_iter (int): L-BFGS iterations. Defaults to 300.
        seed (int): Seed of the (zero-mean, small) initial weights. Defaults to 0.

    Returns:
        float: Top-1 accuracy on the val split.
    """
    train_x = train_features.double()
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-6)
    train_x = (train_x - mean) / std
    val_x = (val_features.double() - mean) / std
    labels = train_labels.long()
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
    with torch.no_grad():
        predictions = (val_x @ weight.T + bias).argmax(1)
    return (predictions == val_labels.long()).float().mean().item()
