"""Weighted k-nearest-neighbour classification of frozen features (the DINO protocol)."""
import torch
import torch.nn.functional as F


@torch.no_grad()
def knn_predict(train_features: torch.Tensor,
                train_labels: torch.Tensor,
                query_features: torch.Tensor,
                num_classes: int,
                k: int = 20,
                temperature: float = 0.07,
                chunk_size: int = 1024) -> torch.Tensor:
    """Class scores of each query from its ``k`` most similar training samples.

    As in DINO (Caron et al., 2021, and its ``eval_knn.py``): features are L2-normalised,
    similarity is the cosine, and each of the ``k`` neighbours votes for its label with weight
    ``exp(cosine / temperature)``.

    Args:
        train_features (Tensor): ``(N, C)`` features of the labelled set.
        train_labels (Tensor): ``(N,)`` integer labels.
        query_features (Tensor): ``(M, C)`` features to classify.
        num_classes (int): Number of classes.
        k (int): Neighbours per query (at most ``N``). Defaults to 20.
        temperature (float): Softness of the vote weights. Defaults to 0.07.
        chunk_size (int): Queries per similarity block (bounds memory). Defaults to 1024.

    Returns:
        Tensor: ``(M, num_classes)`` summed vote weights.
    """
    if train_features.ndim != 2 or query_features.ndim != 2:
        raise ValueError('knn_predict: features must be (num_samples, channels), got '
                         f'{tuple(train_features.shape)} and {tuple(query_features.shape)}')
    if len(train_features) != len(train_labels):
        raise ValueError(f'knn_predict: {len(train_features)} training features but '
                         f'{len(train_labels)} labels')
    k = min(k, len(train_features))
    bank = F.normalize(train_features.float(), dim=1)
    labels = train_labels.long()
    scores = []
    for queries in F.normalize(query_features.float(), dim=1).split(chunk_size):
        similarity, index = (queries @ bank.T).topk(k, dim=1)
        votes = torch.zeros(len(queries), num_classes, dtype=similarity.dtype)
        votes.scatter_add_(1, labels[index], (similarity / temperature).exp())
        scores.append(votes)
    return torch.cat(scores)


def knn_top1(train_features: torch.Tensor,
             train_labels: torch.Tensor,
             query_features: torch.Tensor,
             query_labels: torch.Tensor,
             num_classes: int,
             k: int = 20,
             temperature: float = 0.07) -> float:
    """Top-1 accuracy (a fraction in 0..1) of :func:`knn_predict` on labelled queries."""
    scores = knn_predict(train_features, train_labels, query_features, num_classes, k, temperature)
    return (scores.argmax(1) == query_labels.long()).float().mean().item()
