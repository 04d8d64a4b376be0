from types import SimpleNamespace

import pytest
import torch

from mixmim_mm.engine.hooks import MixingBatchCheckHook


def fake_runner(batch_size, drop_last, num_samples, num_images=4, mix_mode='group'):
    model = torch.nn.Module()
    model.num_images, model.mix_mode = num_images, mix_mode
    loader = SimpleNamespace(batch_size=batch_size, drop_last=drop_last,
                             sampler=list(range(num_samples)))
    return SimpleNamespace(model=model, train_dataloader=loader)


def test_batch_size_not_divisible_is_reported_before_training():
    with pytest.raises(ValueError, match='train_dataloader.batch_size=6.*num_images=4'):
        MixingBatchCheckHook().before_train(fake_runner(6, True, 100))


def test_last_partial_batch_is_reported_when_drop_last_is_off():
    with pytest.raises(ValueError, match='last batch of an epoch has 2 samples'):
        MixingBatchCheckHook().before_train(fake_runner(8, False, 18))


@pytest.mark.parametrize('batch_size, drop_last, num_samples', [(8, True, 18), (8, False, 20),
                                                               (8, False, 16)])
def test_batches_that_can_be_grouped_pass(batch_size, drop_last, num_samples):
    MixingBatchCheckHook().before_train(fake_runner(batch_size, drop_last, num_samples))


def test_flip_mode_needs_even_batches():
    with pytest.raises(ValueError, match='even batch size'):
        MixingBatchCheckHook().before_train(fake_runner(4, False, 7, 2, 'flip'))


def test_other_models_are_ignored():
    runner = fake_runner(3, False, 7)
    runner.model = torch.nn.Linear(2, 2)
    MixingBatchCheckHook().before_train(runner)


def test_infinite_sampler_never_yields_a_short_batch():
    from mmengine.dataset import InfiniteSampler
    runner = fake_runner(8, False, 18)
    runner.train_dataloader.sampler = InfiniteSampler(list(range(18)), shuffle=False)
    MixingBatchCheckHook().before_train(runner)
