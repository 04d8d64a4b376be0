"""Linear probing of frozen features by logistic regression."""
import torch

from mixmim_mm.evaluation.linear_probe import linear_probe_top1


def _data(seed, separation):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(3).repeat_interleave(60)
    direction = torch.randn(3, 8, generator=generator)
    # A large offset common to every sample: standardisation must remove it.
    x = direction[labels] * separation + torch.randn(180, 8, generator=generator) + 100.
    return x, labels


def test_linearly_separable_features_are_classified():
    train, labels = _data(0, 6.)
    val, val_labels = _data(0, 6.)
    assert linear_probe_top1(train, labels, val + 0.01, val_labels, 3) == 1.0


def test_noise_features_score_near_chance():
    generator = torch.Generator().manual_seed(1)
    labels = torch.arange(3).repeat_interleave(60)
    accuracy = linear_probe_top1(
        torch.randn(180, 8, generator=generator), labels, torch.randn(180, 8, generator=generator),
        labels, 3)
    assert accuracy < 0.5


def test_the_result_depends_only_on_the_data_and_seed():
    train, labels = _data(2, 1.)
    val, val_labels = _data(3, 1.)
    first = linear_probe_top1(train, labels, val, val_labels, 3, seed=4)
    assert first == linear_probe_top1(train, labels, val, val_labels, 3, seed=4)


def _few_samples_many_weak_dims(seed, per_class=20):
    """Class means spread thinly over 200 dimensions: with 20 samples a class, an
    unpenalised fit follows the noise, a ridge penalty averages it out."""
    means = torch.randn(3, 200, generator=torch.Generator().manual_seed(9)) * 0.25
    labels = torch.arange(3).repeat_interleave(per_class)
    noise = torch.randn(3 * per_class, 200, generator=torch.Generator().manual_seed(seed))
    return means[labels] + noise, labels


def test_a_larger_penalty_is_chosen_where_the_fit_would_follow_noise():
    from mixmim_mm.evaluation.linear_probe import select_weight_decay
    x, labels = _few_samples_many_weak_dims(0)
    assert select_weight_decay(x, labels, 3, (1e-5, 1e-1, 10.)) > 1e-5


def test_the_chosen_penalty_scores_better_on_val_than_the_smallest():
    x, labels = _few_samples_many_weak_dims(0)
    val, val_labels = _few_samples_many_weak_dims(1, per_class=100)
    chosen = linear_probe_top1(x, labels, val, val_labels, 3, weight_decay=(1e-5, 1e-1, 10.))
    assert chosen > linear_probe_top1(x, labels, val, val_labels, 3, weight_decay=1e-5)
