from types import SimpleNamespace

import pytest
import torch

from mixmim_mm.engine.hooks import MixingBatchCheckHook


def fake_runner(batch_size, drop_last, num_samples, num_images=4, mix_mode='group'):
    model = torch.nn.Module()
    model.num_images, model.mix_mode = num_images, mix_mode
    loader = SimpleNamespace(
        batch_size=batch_size, drop_last=drop_last, sampler=list(range(num_samples)))
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


def mixmae_runner(crop):
    from mmpretrain.registry import MODELS
    model = MODELS.build(
        dict(
            type='MixMAE',
            num_images=2,
            mix_mode='group',
            backbone=dict(
                type='MixMAESwinTransformer', arch='mini', img_size=64, window_size=(4, 4, 4, 2)),
            neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
            head=dict(type='MixMAEHead', norm_pix=True)))
    dataset = [dict(inputs=torch.zeros(3, *crop))]
    loader = SimpleNamespace(batch_size=4, drop_last=True, sampler=list(range(8)), dataset=dataset)
    return SimpleNamespace(model=model, train_dataloader=loader)


@pytest.mark.parametrize('crop, message', [
    ((80, 64), 'pipeline output: input size 80x64 is not divisible by mask_unit=32'),
    ((96, 96), 'pipeline output: backbone.window_size 4 of stage 2 does not tile its 6x6'),
])
def test_pipeline_crop_the_backbone_cannot_mix_is_reported(crop, message):
    with pytest.raises(ValueError, match=message):
        MixingBatchCheckHook().before_train(mixmae_runner(crop))


def test_pipeline_crop_other_than_img_size_that_tiles_passes():
    MixingBatchCheckHook().before_train(mixmae_runner((128, 128)))
