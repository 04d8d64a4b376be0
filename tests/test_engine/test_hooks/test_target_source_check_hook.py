"""TargetSourceCheckHook: pipeline and model must agree on where the target comes from."""
from types import SimpleNamespace

import pytest
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.engine.hooks.target_source_check_hook import TargetSourceCheckHook

KEY = 'low_pass_target'
CROP = dict(type='RandomCrop', crop_size=32)
FLIP = dict(type='RandomFlip', prob=0.5, direction='horizontal')
TARGET = dict(type='LowPassTarget', radius=4)
PACK = dict(type='PackInputs', algorithm_keys=[KEY])
MODEL_SIDE = dict(type='LowPassTargetGenerator', radius=4)
PIPELINE_SIDE = dict(type='DataSampleTarget', key=KEY)


def fake_runner(transforms, target_generator, wrap=False):
    model = MODELS.build(
        dict(
            type='PixMIM',
            target_generator=target_generator,
            data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[0.] * 3, std=[1.] * 3),
            backbone=dict(
                type='MAEViT',
                arch=dict(embed_dims=16, num_layers=1, num_heads=2, feedforward_channels=32),
                img_size=32,
                patch_size=16),
            neck=dict(
                type='MAEPretrainDecoder',
                num_patches=4,
                patch_size=16,
                embed_dim=16,
                decoder_embed_dim=16,
                decoder_depth=1,
                decoder_num_heads=2),
            head=dict(
                type='MAEPretrainHead',
                patch_size=16,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = SimpleNamespace(pipeline=Compose(transforms))
    if wrap:  # a dataset wrapper holds the pipeline one level down
        dataset = SimpleNamespace(pipeline=None, dataset=dataset)
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset))


def check(transforms, target_generator, **kwargs):
    TargetSourceCheckHook().before_train(fake_runner(transforms, target_generator, **kwargs))


@pytest.mark.parametrize('wrap', [False, True])
def test_consistent_sides_pass(wrap):
    check([CROP, FLIP, TARGET, PACK], PIPELINE_SIDE, wrap=wrap)
    check([CROP, FLIP, dict(type='PackInputs')], MODEL_SIDE, wrap=wrap)


@pytest.mark.parametrize('wrap', [False, True])
def test_target_on_both_sides_is_reported_naming_the_key(wrap):
    with pytest.raises(ValueError, match=f"computes '{KEY}'.*LowPassTargetGenerator"):
        check([CROP, FLIP, TARGET, PACK], MODEL_SIDE, wrap=wrap)


def test_reader_without_a_transform_is_reported():
    with pytest.raises(ValueError, match=f"reads '{KEY}' but no target transform"):
        check([CROP, FLIP, PACK], PIPELINE_SIDE)


def test_key_not_packed_is_reported():
    with pytest.raises(ValueError, match=f"PackInputs does not carry '{KEY}'"):
        check([CROP, FLIP, TARGET, dict(type='PackInputs')], PIPELINE_SIDE)


def test_augmentation_after_the_target_is_reported():
    with pytest.raises(ValueError, match=r"\['RandomFlip'\] follow LowPassTarget"):
        check([CROP, TARGET, FLIP, PACK], PIPELINE_SIDE)


def test_custom_key_must_match():
    with pytest.raises(ValueError, match=r"reads 'lp' but .*write \['low_pass_target'\]"):
        check([CROP, TARGET, dict(type='PackInputs', algorithm_keys=['lp'])],
              dict(type='DataSampleTarget', key='lp'))
    check([CROP, dict(TARGET, key='lp'),
           dict(type='PackInputs', algorithm_keys=['lp'])], dict(type='DataSampleTarget', key='lp'))


HOG_PACK = dict(type='PackInputs', algorithm_keys=['hog_target'])
HOG_READER = dict(type='DataSampleTarget', key='hog_target', pixel_space=False)


def check_fastmim(transforms, target_generator, to_rgb=True):
    runner = fake_runner(transforms, None)
    runner.model = MODELS.build(
        dict(
            type='FastMIM',
            target_generator=target_generator,
            mask_unit=16,
            data_preprocessor=dict(
                type='SelfSupDataPreprocessor', mean=[0.] * 3, std=[1.] * 3, to_rgb=to_rgb),
            backbone=dict(
                type='FastMIMViT',
                arch=dict(embed_dims=16, num_layers=1, num_heads=2, feedforward_channels=32),
                img_size=32,
                patch_size=16,
                out_type='raw'),
            neck=dict(type='FastMIMDecoder', in_channels=16, out_channels=108, embed_dims=16),
            head=dict(type='FastMIMHead', patch_size=16)))
    TargetSourceCheckHook().before_train(runner)


def test_hog_target_consistent_sides_pass():
    check_fastmim([CROP, FLIP, dict(type='HOGTarget'), HOG_PACK], HOG_READER)
    check_fastmim([CROP, FLIP, dict(type='HOGTarget', to_rgb=False), HOG_PACK],
                  HOG_READER,
                  to_rgb=False)


def test_hog_target_channel_order_must_match_the_preprocessor():
    with pytest.raises(
            ValueError, match='HOGTarget .* to_rgb=False but the data preprocessor '
            'has to_rgb=True'):
        check_fastmim([CROP, dict(type='HOGTarget', to_rgb=False), HOG_PACK], HOG_READER)


def test_hog_target_read_as_an_image_is_reported():
    with pytest.raises(ValueError, match="writes 'hog_target' as features.*pixel_space=False"):
        check_fastmim([CROP, dict(type='HOGTarget'), HOG_PACK], dict(HOG_READER, pixel_space=True))


def test_hog_target_with_model_side_hog_is_reported():
    with pytest.raises(ValueError, match="computes 'hog_target'.*HOGTargetGenerator"):
        check_fastmim([CROP, dict(type='HOGTarget'), HOG_PACK], dict(type='HOGTargetGenerator'))
