import math

import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS

from mixmim_mm.models.target_generators.low_pass import LowPassTargetGenerator

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def numpy_low_pass(pixels: np.ndarray, radius: float) -> np.ndarray:
    """Reference: centred full complex spectrum, circle around DC at (H // 2, W // 2)."""
    h, w = pixels.shape[-2:]
    rows = np.arange(h)[:, None] - h // 2
    cols = np.arange(w)[None, :] - w // 2
    mask = (rows**2 + cols**2 <= radius**2).astype(np.float64)
    spectrum = np.fft.fftshift(np.fft.fft2(pixels, axes=(-2, -1)), axes=(-2, -1))
    out = np.fft.ifft2(np.fft.ifftshift(spectrum * mask, axes=(-2, -1)), axes=(-2, -1))
    return out.real


def normalized_batch(h, w, b=2, seed=0):
    rng = np.random.default_rng(seed)
    pixels = rng.uniform(0, 255, size=(b, 3, h, w))
    mean = np.array(MEAN).reshape(1, 3, 1, 1)
    std = np.array(STD).reshape(1, 3, 1, 1)
    return pixels, torch.from_numpy((pixels - mean) / std).float()


@pytest.mark.parametrize('size', [(32, 48), (31, 45), (33, 32), (224, 224)])
def test_matches_numpy_reference(size):
    h, w = size
    pixels, x = normalized_batch(h, w)
    gen = LowPassTargetGenerator(radius=7, mean=MEAN, std=STD)
    out = gen(x)
    expected = (numpy_low_pass(pixels, 7) -
                np.array(MEAN).reshape(1, 3, 1, 1)) / np.array(STD).reshape(1, 3, 1, 1)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.numpy(), expected, atol=2e-5)


@pytest.mark.parametrize('size', [(32, 48), (31, 45)])
def test_radius_zero_keeps_only_mean_colour(size):
    pixels, x = normalized_batch(*size)
    out = LowPassTargetGenerator(radius=0, mean=MEAN, std=STD)(x)
    channel_mean = x.mean(dim=(-2, -1), keepdim=True).expand_as(x)
    torch.testing.assert_close(out, channel_mean, atol=1e-5, rtol=0)


@pytest.mark.parametrize('size', [(32, 48), (31, 45)])
def test_radius_at_half_diagonal_is_identity(size):
    h, w = size
    _, x = normalized_batch(h, w)
    # The farthest bin from DC is at (H // 2, W // 2) in integer frequency units.
    radius = math.hypot(h // 2, w // 2)
    torch.testing.assert_close(LowPassTargetGenerator(radius=radius)(x), x, atol=1e-5, rtol=0)
    # Just below it some corner frequencies are dropped: the filter is not the identity.
    below = LowPassTargetGenerator(radius=radius - 0.5)(x)
    assert (below - x).abs().max() > 1e-3


def test_output_is_real_float_and_same_shape():
    _, x = normalized_batch(31, 45, b=3)
    out = LowPassTargetGenerator(radius=5)(x)
    assert out.dtype == torch.float32 and not out.is_complex()
    assert out.shape == (3, 3, 31, 45)


@pytest.mark.parametrize('size', [(32, 48), (31, 45)])
def test_idempotent(size):
    _, x = normalized_batch(*size)
    gen = LowPassTargetGenerator(radius=6, mean=MEAN, std=STD)
    once = gen(x)
    torch.testing.assert_close(gen(once), once, atol=1e-5, rtol=0)


def test_radius_40_on_224_keeps_5025_bins():
    # DC-centred circle of radius 40 on a 224 x 224 spectrum (spec section 5 count).
    half = LowPassTargetGenerator(radius=40).filter_mask(224, 224)
    # rfft2 stores columns 0..112; columns 1..111 stand for two conjugate bins each.
    full = half[:, 0].sum() + half[:, -1].sum() + 2 * half[:, 1:-1].sum()
    assert int(full) == 5025


def test_filters_each_channel_independently():
    _, x = normalized_batch(32, 32, b=1)
    gen = LowPassTargetGenerator(radius=4)
    out = gen(x)
    for c in range(3):
        torch.testing.assert_close(gen(x[:, c:c + 1]), out[:, c:c + 1], atol=1e-5, rtol=0)


def test_pixel_space_and_normalized_space_agree():
    # Linear and DC-preserving: de-normalising first changes nothing but rounding.
    _, x = normalized_batch(31, 45)
    with_stats = LowPassTargetGenerator(radius=9, mean=MEAN, std=STD)(x)
    without = LowPassTargetGenerator(radius=9)(x)
    torch.testing.assert_close(with_stats, without, atol=1e-4, rtol=0)


def test_fp32_under_autocast():
    _, x = normalized_batch(32, 48)
    gen = LowPassTargetGenerator(radius=8, mean=MEAN, std=STD)
    ref = gen(x)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        out = gen(x)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref, atol=0, rtol=0)


def test_scale_radius_with_size():
    gen = LowPassTargetGenerator(radius=40, scale_radius_with_size=True)
    assert gen.effective_radius(448, 448) == pytest.approx(80)
    assert gen.effective_radius(224, 320) == pytest.approx(40)
    assert LowPassTargetGenerator(radius=40).effective_radius(448, 448) == 40


def test_registered_and_builds():
    gen = MODELS.build(dict(type='LowPassTargetGenerator', radius=10))
    assert isinstance(gen, LowPassTargetGenerator) and gen.radius == 10


@pytest.mark.parametrize('kwargs', [
    dict(radius=-1),
    dict(radius=float('inf')),
    dict(mean=MEAN),
    dict(mean=MEAN, std=[1., 0., 1.]),
    dict(mean=MEAN, std=[1., 1.])
])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError, match='LowPassTargetGenerator'):
        LowPassTargetGenerator(**kwargs)


def test_channel_mismatch_raises():
    gen = LowPassTargetGenerator(mean=MEAN, std=STD)
    with pytest.raises(ValueError, match='channels'):
        gen(torch.zeros(1, 1, 8, 8))


def test_non_batch_input_raises():
    with pytest.raises(ValueError, match='default_collate'):
        LowPassTargetGenerator()([torch.zeros(3, 8, 8)])
