"""Weighted kNN (DINO protocol) on frozen features."""
import pytest
import torch

from mixmim_mm.evaluation.knn import knn_predict, knn_top1


def test_votes_are_exp_cosine_over_temperature_of_the_k_nearest():
    train = torch.tensor([[1., 0.], [0.8, 0.6], [0., 1.], [-1., 0.]])
    labels = torch.tensor([0, 1, 1, 2])
    query = torch.tensor([[2., 0.]])  # cosines 1, 0.8, 0, -1
    scores = knn_predict(train, labels, query, num_classes=3, k=2, temperature=0.5)
    expected = torch.tensor([[torch.exp(torch.tensor(2.)), torch.exp(torch.tensor(1.6)), 0.]])
    torch.testing.assert_close(scores, expected)


def test_features_are_compared_by_direction_not_length():
    train = torch.tensor([[10., 0.], [0., 0.1]])
    labels = torch.tensor([0, 1])
    assert knn_predict(train, labels, torch.tensor([[0.01, 1.]]), 2, k=1).argmax() == 1


def test_top1_of_separable_clusters_is_one_and_of_shuffled_labels_is_chance():
    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 16, generator=generator) * 5
    labels = torch.arange(4).repeat_interleave(50)
    train = centres[labels] + torch.randn(200, 16, generator=generator)
    val = centres[labels] + torch.randn(200, 16, generator=generator)
    assert knn_top1(train, labels, val, labels, 4) == 1.0
    shuffled = labels[torch.randperm(200, generator=generator)]
    assert knn_top1(train, shuffled, val, labels, 4) < 0.45


def test_k_larger_than_the_bank_uses_the_whole_bank():
    scores = knn_predict(torch.eye(3), torch.tensor([0, 1, 1]), torch.ones(1, 3), 2, k=20)
    assert scores.argmax() == 1


def test_mismatched_inputs_are_named():
    with pytest.raises(ValueError, match='3 training features but 2 labels'):
        knn_predict(torch.eye(3), torch.tensor([0, 1]), torch.ones(1, 3), 2)
