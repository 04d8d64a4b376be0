"""Target transforms: the pipeline-side low-pass target equals the model-side one."""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, default_collate
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.datasets.transforms.image_targets import (HOGTarget, ImageTargetTransform,
                                                         LowPassTarget)
from mixmim_mm.models.target_generators.base import PIPELINE_TARGET_KEYS

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
KEY = 'low_pass_target'
# fp32 tolerance on the normalised scale (values of order 1): both sides filter in float32,
# the model side after a normalise / de-normalise round trip; observed differences <= 6e-7.
ATOL = 1e-5
# The same filter on the same pixels (0-255 scale) laid out differently in memory (the
# transform's (C, H, W) view of an (H, W, C) array against a contiguous tensor) runs other FFT
# kernels: a few fp32 ulps apart at ~128 (observed <= 3.1e-5 with AVX-512), 1e-3 leaves margin.
PIXEL_ATOL = 1e-3


def augment(crop, flip_prob):
    return [
        dict(type='RandomCrop', crop_size=crop),
        dict(type='RandomFlip', prob=flip_prob, direction='horizontal')
    ]


def run_pipeline(transforms, images, seed):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(copy.deepcopy(transforms))
    np.random.seed(seed)
    return default_collate([pipeline(dict(img=img.copy())) for img in images])


def images(shape, n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=shape, dtype=np.uint8) for _ in range(n)]


def preprocessor():
    return MODELS.build(dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True))


def both_sides(crop, radius, flip_prob=0.5, seed=0, **filter_kwargs):
    """(model-side target, pipeline-side target, preprocessed inputs) for the same augment."""
    h, w = crop
    imgs = images((h + 9, w + 5, 3))
    pre = preprocessor()
    plain = run_pipeline([*augment(crop, flip_prob), dict(type='PackInputs')], imgs, seed)
    piped = run_pipeline([
        *augment(crop, flip_prob),
        dict(type='LowPassTarget', radius=radius, **filter_kwargs),
        dict(type='PackInputs', algorithm_keys=[KEY])
    ], imgs, seed)
    plain, piped = pre(plain, training=True), pre(piped, training=True)
    torch.testing.assert_close(plain['inputs'], piped['inputs'], atol=0, rtol=0)

    generator = MODELS.build(dict(type='LowPassTargetGenerator', radius=radius, **filter_kwargs))
    reader = MODELS.build(dict(type='DataSampleTarget', key=KEY))
    for gen in (generator, reader):
        gen.set_normalization(pre.mean, pre.std)
    reader.set_channel_conversion(True)
    return generator(plain['inputs']), reader(piped['inputs'], piped['data_samples']), \
        plain['inputs']


@pytest.mark.parametrize('crop', [(32, 32), (24, 40), (31, 45), (48, 20)])
def test_pipeline_target_equals_model_target(crop):
    model_side, pipeline_side, inputs = both_sides(crop, radius=5)
    assert pipeline_side.shape == model_side.shape == inputs.shape
    torch.testing.assert_close(pipeline_side, model_side, atol=ATOL, rtol=0)
    # The filter really filters at this size (r = 5 is far below the Nyquist corner).
    assert (model_side - inputs).abs().mean() > 0.1


def test_scaled_radius_is_the_same_on_both_sides():
    model_side, pipeline_side, _ = both_sides((40, 56),
                                              radius=20,
                                              scale_radius_with_size=True,
                                              reference_size=224)
    torch.testing.assert_close(pipeline_side, model_side, atol=ATOL, rtol=0)


def test_flipped_sample_gets_the_flipped_target():
    imgs = images((40, 50, 3), n=1)
    tail = [dict(type='LowPassTarget', radius=4), dict(type='PackInputs', algorithm_keys=[KEY])]
    flipped = run_pipeline([*augment((32, 48), 1.0), *tail], imgs, seed=3)
    unflipped = run_pipeline([*augment((32, 48), 0.0), *tail], imgs, seed=3)
    assert flipped['data_samples'][0].flip and not unflipped['data_samples'][0].flip
    target = flipped['data_samples'][0].get(KEY)
    # Same crop, mirrored: the target is the mirrored target, computed from what the model sees.
    torch.testing.assert_close(
        target, unflipped['data_samples'][0].get(KEY).flip(-1), atol=PIXEL_ATOL, rtol=0)
    torch.testing.assert_close(
        target,
        LowPassTarget(radius=4).filter(flipped['inputs'][0].float()),
        atol=PIXEL_ATOL,
        rtol=0)
    assert not torch.allclose(target, unflipped['data_samples'][0].get(KEY), atol=1.)


def test_crop_decides_the_target():
    imgs = images((60, 60, 3), n=1)
    tail = [dict(type='LowPassTarget', radius=4), dict(type='PackInputs', algorithm_keys=[KEY])]
    a = run_pipeline([*augment((32, 32), 0.0), *tail], imgs, seed=1)
    b = run_pipeline([*augment((32, 32), 0.0), *tail], imgs, seed=2)
    for batch in (a, b):
        torch.testing.assert_close(
            batch['data_samples'][0].get(KEY),
            LowPassTarget(radius=4).filter(batch['inputs'][0].float()),
            atol=PIXEL_ATOL,
            rtol=0)
    assert not torch.allclose(a['inputs'].float(), b['inputs'].float())


def test_target_is_float_chw_in_pixel_units():
    out = LowPassTarget(radius=0)(dict(img=np.full((6, 10, 3), (10, 20, 30), np.uint8)))
    target = out[KEY]
    assert target.dtype == torch.float32 and target.shape == (3, 6, 10)
    torch.testing.assert_close(target[:, 0, 0], torch.tensor([10., 20., 30.]))
    gray = LowPassTarget(radius=0, key='lp')(dict(img=np.zeros((6, 10), np.uint8)))
    assert gray['lp'].shape == (1, 6, 10)


def test_bad_arguments_and_inputs_are_reported():
    with pytest.raises(ValueError, match='LowPassTarget: radius'):
        LowPassTarget(radius=-1)
    with pytest.raises(ValueError, match='LowPassTarget: key'):
        LowPassTarget(key='')
    with pytest.raises(TypeError, match=r"LowPassTarget: results\['img'\]"):
        LowPassTarget()(dict(img=torch.zeros(3, 8, 8)))


def test_a_subclass_with_an_undeclared_key_is_refused_at_definition():
    # The models look for pipeline targets under PIPELINE_TARGET_KEYS, a constant; a key
    # outside it would slip past that check, so the class cannot be defined.
    with pytest.raises(TypeError, match="default_key='edge_target_for_test' is not in"):

        class Edges(ImageTargetTransform):
            default_key = 'edge_target_for_test'

    assert KEY in PIPELINE_TARGET_KEYS


# HOG: the transform calls hog_features as HOGTargetGenerator does. With integer means and
# power-of-two stds the preprocessor's normalisation and the generator's mapping back are
# exact in fp32, so both sides bin the same integer gradients: equal to fp32 rounding of the
# histogram sums and norms (observed <= 3e-7 on unit-norm cells).
HOG_KEY = 'hog_target'
HOG_ATOL = 1e-5
EXACT_MEAN, EXACT_STD = [128., 64., 32.], [64., 32., 16.]


def hog_both_sides(crop, mean, std, flip_prob=0.5, seed=0, **hog_kwargs):
    """(model-side, pipeline-side) HOG targets of the same augmented images, RGB model."""
    h, w = crop
    imgs = images((h + 9, w + 5, 3))
    pre = MODELS.build(dict(type='SelfSupDataPreprocessor', mean=mean, std=std, to_rgb=True))
    plain = run_pipeline([*augment(crop, flip_prob), dict(type='PackInputs')], imgs, seed)
    piped = run_pipeline([
        *augment(crop, flip_prob),
        dict(type='HOGTarget', **hog_kwargs),
        dict(type='PackInputs', algorithm_keys=[HOG_KEY])
    ], imgs, seed)
    plain, piped = pre(plain, training=True), pre(piped, training=True)
    torch.testing.assert_close(plain['inputs'], piped['inputs'], atol=0, rtol=0)
    generator = MODELS.build(dict(type='HOGTargetGenerator', **hog_kwargs))
    generator.set_normalization(pre.mean, pre.std)
    reader = MODELS.build(dict(type='DataSampleTarget', key=HOG_KEY, pixel_space=False))
    reader.set_normalization(pre.mean, pre.std)
    reader.set_channel_conversion(True)
    return generator(plain['inputs']), reader(piped['inputs'], piped['data_samples'])


@pytest.mark.parametrize('crop,stride', [((32, 32), 16), ((32, 48), 16), ((48, 16), 16),
                                         ((64, 96), 32), ((24, 40), 8)])
@pytest.mark.parametrize('normalization', ['cell', 'block', None])
def test_pipeline_hog_equals_model_hog(crop, stride, normalization):
    model_side, pipeline_side = hog_both_sides(
        crop, EXACT_MEAN, EXACT_STD, token_stride=stride, normalization=normalization)
    tokens = (crop[0] // stride) * (crop[1] // stride)
    assert pipeline_side.shape == model_side.shape == (3, tokens, 27 * (stride // 8)**2)
    # Raw histograms are sums of 0-255-scale magnitudes: the same tolerance relative to them.
    rtol = HOG_ATOL if normalization is None else 0
    torch.testing.assert_close(pipeline_side, model_side, atol=HOG_ATOL, rtol=rtol)


def test_pipeline_hog_with_imagenet_stats_differs_only_at_horizontal_gradients():
    # With ImageNet's mean/std the model side maps its inputs back to pixels with ~1e-5 of
    # rounding; a pixel whose gradient is exactly horizontal (gx == 0) then falls in bin 0 or
    # bin 8 by the sign of that rounding, while the pipeline side bins the exact integers.
    # Those few pixels are the whole difference (observed: <= 0.4% of the values, <= 0.07).
    model_side, pipeline_side = hog_both_sides((64, 96), MEAN, STD, token_stride=16)
    diff = (model_side - pipeline_side).abs()
    assert (diff > HOG_ATOL).float().mean() < 0.01
    assert diff.max() < 0.2 and diff.mean() < 1e-4


def test_hog_channel_order_follows_to_rgb():
    img = images((32, 48, 3), n=1)[0]
    rgb = HOGTarget(to_rgb=True)(dict(img=img.copy()))[HOG_KEY]
    bgr = HOGTarget(to_rgb=False)(dict(img=img.copy()))[HOG_KEY]
    # A token's vector is (channel, bin, cell row, cell column): the channel blocks reversed.
    torch.testing.assert_close(rgb.view(6, 3, -1), bgr.view(6, 3, -1).flip(1), atol=0, rtol=0)
    assert not torch.allclose(rgb, bgr)
    model = MODELS.build(dict(type='HOGTargetGenerator'))
    image = torch.from_numpy(img).permute(2, 0, 1).float()[None]
    torch.testing.assert_close(rgb, model(image.flip(1))[0], atol=0, rtol=0)


def test_flipped_sample_gets_the_flipped_hog_target():
    imgs = images((40, 50, 3), n=1)
    tail = [
        dict(type='HOGTarget', token_stride=16, normalization=None),
        dict(type='PackInputs', algorithm_keys=[HOG_KEY])
    ]
    flipped = run_pipeline([*augment((32, 48), 1.0), *tail], imgs, seed=3)
    unflipped = run_pipeline([*augment((32, 48), 0.0), *tail], imgs, seed=3)
    assert flipped['data_samples'][0].flip and not unflipped['data_samples'][0].flip
    target = flipped['data_samples'][0].get(HOG_KEY)
    # The target is the HOG of the flipped image the model sees, not of the file's image.
    model = MODELS.build(dict(type='HOGTargetGenerator', normalization=None))
    torch.testing.assert_close(target, model(flipped['inputs'].float().flip(1))[0], atol=0, rtol=0)
    assert not torch.allclose(target, unflipped['data_samples'][0].get(HOG_KEY), rtol=1e-2)
    # Same crop in both runs: un-mirroring the flipped sample's image gives the unflipped
    # sample's target, so only the flip separates the two targets.
    mirrored = model(flipped['inputs'].float().flip(1, -1))[0]
    torch.testing.assert_close(mirrored, unflipped['data_samples'][0].get(HOG_KEY), atol=0, rtol=0)


def test_hog_target_bad_arguments_and_sizes_are_reported():
    with pytest.raises(ValueError, match='HOGTarget: token_stride=12'):
        HOGTarget(token_stride=12)
    with pytest.raises(ValueError, match='HOGTarget: normalization'):
        HOGTarget(normalization='l2hys')
    with pytest.raises(ValueError, match='width 40 is not divisible by the token stride 16'):
        HOGTarget()(dict(img=np.zeros((32, 40, 3), np.uint8)))
    assert HOG_KEY in PIPELINE_TARGET_KEYS and not HOGTarget.pixel_space
