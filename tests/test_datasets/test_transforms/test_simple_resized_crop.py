import numpy as np
import pytest
from mmpretrain.registry import TRANSFORMS

from mixmim_mm.datasets.transforms.simple_resized_crop import SimpleResizedCrop


def coordinate_image(height, width):
    """uint8 image whose channel 0 holds the row index and channel 1 the column index."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing='ij')
    return np.stack([rows, cols, np.zeros_like(rows)], axis=-1).astype(np.uint8)


@pytest.mark.parametrize('shape', [(60, 90, 3), (90, 60, 3), (64, 64, 3), (40, 41), (33, 200, 3)])
@pytest.mark.parametrize('backend', ['pillow', 'cv2'])
def test_output_is_size_square(shape, backend):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=shape, dtype=np.uint8)
    out = SimpleResizedCrop(size=32, backend=backend)(dict(img=img))
    assert out['img'].shape == (32, 32) + shape[2:]
    assert out['img_shape'] == (32, 32)
    assert out['img'].dtype == np.uint8


@pytest.mark.parametrize('shape', [(60, 90), (90, 60), (64, 64), (41, 40)])
def test_resize_matches_short_side_and_keeps_aspect(shape):
    h, w = SimpleResizedCrop(size=32).resized_shape(*shape)
    assert min(h, w) == 32
    assert max(h, w) == int(32 * max(shape) / min(shape))


@pytest.mark.parametrize('shape', [(32, 80), (80, 32), (32, 32)])
def test_crop_covers_short_side_up_to_padding(shape):
    # The short side already equals size, so no resize happens and pixel values stay exact.
    size, pad = 32, 4
    short_axis = 0 if shape[0] <= shape[1] else 1
    transform = SimpleResizedCrop(size=size, padding=pad, flip_prob=0.)
    for seed in range(30):
        np.random.seed(seed)
        crop = transform(dict(img=coordinate_image(*shape)))['img']
        # Along the short axis every original index inside the crop is a distinct row/column.
        line = crop[:, 0, 0] if short_axis == 0 else crop[0, :, 1]
        covered = np.unique(line)
        assert covered.size >= size - pad
        # Reflection keeps the covered indices a contiguous run of the original side.
        assert covered.max() - covered.min() + 1 == covered.size


def test_no_aspect_distortion():
    # A crop of an image whose short side equals size is a plain window: unit steps.
    np.random.seed(3)
    crop = SimpleResizedCrop(size=32, flip_prob=0.)(dict(img=coordinate_image(32, 80)))['img']
    inner_cols = crop[10, 4:-4, 1].astype(int)
    assert set(np.abs(np.diff(inner_cols))) <= {1}


def test_flip_prob_one_mirrors_the_crop():
    img = coordinate_image(32, 80)
    np.random.seed(5)
    plain = SimpleResizedCrop(size=32, flip_prob=0.)(dict(img=img.copy()))
    np.random.seed(5)
    flipped = SimpleResizedCrop(size=32, flip_prob=1.)(dict(img=img.copy()))
    np.testing.assert_array_equal(flipped['img'], plain['img'][:, ::-1])
    assert flipped['flip'] and flipped['flip_direction'] == 'horizontal'
    assert not plain['flip']


def test_deterministic_under_seed():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(70, 100, 3), dtype=np.uint8)
    transform = SimpleResizedCrop(size=48)
    np.random.seed(123)
    first = [transform(dict(img=img.copy()))['img'] for _ in range(5)]
    np.random.seed(123)
    second = [transform(dict(img=img.copy()))['img'] for _ in range(5)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # Not a constant crop: different draws give different outputs.
    assert any(not np.array_equal(first[0], other) for other in first[1:])


def test_registered():
    transform = TRANSFORMS.build(dict(type='SimpleResizedCrop', size=16, padding=2))
    assert isinstance(transform, SimpleResizedCrop)
    assert transform.padding == 2 and transform.interpolation == 'bicubic'


@pytest.mark.parametrize('kwargs', [
    dict(size=0),
    dict(size=8, padding=8),
    dict(padding=-1),
    dict(flip_prob=1.5),
    dict(backend='skimage'),
    dict(interpolation='area', backend='pillow')
])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError, match='SimpleResizedCrop'):
        SimpleResizedCrop(**kwargs)


def test_pillow_needs_uint8():
    with pytest.raises(ValueError, match='uint8'):
        SimpleResizedCrop(size=8)(dict(img=np.zeros((10, 12, 3), np.float32)))
    out = SimpleResizedCrop(size=8, backend='cv2')(dict(img=np.zeros((10, 12, 3), np.float32)))
    assert out['img'].shape == (8, 8, 3)


def test_size_is_the_argument_and_scale_a_warning_alias():
    assert SimpleResizedCrop(size=40).size == 40
    assert SimpleResizedCrop().size == 224
    img = coordinate_image(50, 70)
    with pytest.warns(FutureWarning, match='scale.*deprecated.*size'):
        old = SimpleResizedCrop(scale=40, flip_prob=0.)
    new = SimpleResizedCrop(size=40, flip_prob=0.)
    assert old.size == 40 and 'size=40' in repr(old)
    np.random.seed(7)
    a = old(dict(img=img.copy()))['img']
    np.random.seed(7)
    b = new(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(a, b)
    # Through the registry, as configs build it.
    with pytest.warns(FutureWarning):
        built = TRANSFORMS.build(dict(type='SimpleResizedCrop', scale=16))
    assert built.size == 16


def test_size_and_scale_must_agree():
    with pytest.raises(ValueError, match=r'size=32.*scale=48'):
        SimpleResizedCrop(size=32, scale=48)
    # The same value under both names is redundant, not a conflict.
    with pytest.warns(FutureWarning):
        assert SimpleResizedCrop(size=32, scale=32).size == 32
