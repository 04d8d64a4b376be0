import numpy as np
import pytest
import torch
from mmpretrain.models.selfsup.maskfeat import HOGGenerator

from mixmim_mm.models.target_generators.hog import HOGTargetGenerator, hog_features


def integer_images(batch, height, width, seed=0):
    """Images of values 0..7 (x32): Sobel gradients are small integers, so no pixel's
    orientation lies within float rounding of a bin edge and fp32 and fp64 agree on bins."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 8, (batch, 3, height, width), generator=g).float() * 32


def numpy_hog(images, token_stride, nbins=9, cell=8):
    """Independent reference: explicit loops over cells, float64, per-cell L2 norm."""
    images = images.astype(np.float64)
    b, c, h, w = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)), mode='reflect')

    def shifted(dy, dx):
        return padded[:, :, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    # Cross-correlation with [[1,0,-1],[2,0,-2],[1,0,-1]] and its transpose.
    gx = (
        shifted(-1, -1) + 2 * shifted(0, -1) + shifted(1, -1) - shifted(-1, 1) - 2 * shifted(0, 1) -
        shifted(1, 1))
    gy = (
        shifted(-1, -1) + 2 * shifted(-1, 0) + shifted(-1, 1) - shifted(1, -1) - 2 * shifted(1, 0) -
        shifted(1, 1))
    mag = np.hypot(gx, gy)
    angle = np.arctan2(gx, gy)  # in (-pi, pi]
    bins = np.floor(angle / np.pi * nbins).astype(np.int64) % nbins
    ch, cw = h // cell, w // cell
    hist = np.zeros((b, c, nbins, ch, cw))
    for i in range(ch):
        for j in range(cw):
            m = mag[:, :, i * cell:(i + 1) * cell, j * cell:(j + 1) * cell]
            k = bins[:, :, i * cell:(i + 1) * cell, j * cell:(j + 1) * cell]
            for n in range(nbins):
                hist[:, :, n, i, j] = (m * (k == n)).sum(axis=(2, 3))
    hist /= np.maximum(np.linalg.norm(hist, axis=2, keepdims=True), 1e-12)
    u = token_stride // cell
    out = []
    for ti in range(h // token_stride):
        for tj in range(w // token_stride):
            block = hist[:, :, :, ti * u:(ti + 1) * u, tj * u:(tj + 1) * u]
            out.append(block.reshape(b, -1))
    return np.stack(out, axis=1)


def test_equals_mmpretrain_hog_generator_at_224():
    images = integer_images(2, 224, 224)
    ours = HOGTargetGenerator(token_stride=16, gaussian_window=16)(images)
    theirs = HOGGenerator(nbins=9, pool=8, gaussian_window=16)(images)
    assert ours.shape == theirs.shape == (2, 196, 108)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('size,stride', [(128, 16), (160, 32), ((96, 160), 16)])
def test_equals_numpy_reference(size, stride):
    h, w = (size, size) if isinstance(size, int) else size
    images = integer_images(2, h, w, seed=h + w)
    ours = HOGTargetGenerator(token_stride=stride)(images)
    ref = numpy_hog(images.numpy(), stride)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('size', [128, 160, 192])
@pytest.mark.parametrize('stride,dim', [(16, 108), (32, 432)])
def test_shapes(size, stride, dim):
    out = HOGTargetGenerator(token_stride=stride)(torch.rand(2, 3, size, size))
    assert out.shape == (2, (size // stride)**2, dim)
    assert out.dtype == torch.float32


def test_single_orientation_fills_expected_bin():
    # Vertical stripes: only x-gradients, orientation 90 degrees -> bin 4 of 9.
    x = torch.zeros(1, 3, 32, 32)
    x[..., ::4] = 255.
    hist = hog_features(x, token_stride=8, normalization=None).view(1, 16, 3, 9)
    assert hist[..., 4].sum() > 0
    torch.testing.assert_close(hist.sum(-1), hist[..., 4])
    # Horizontal stripes: only y-gradients -> bin 0.
    hist = hog_features(x.transpose(2, 3), token_stride=8, normalization=None).view(1, 16, 3, 9)
    torch.testing.assert_close(hist.sum(-1), hist[..., 0])
    assert hist[..., 0].sum() > 0


def test_normalisation_from_preprocessor_stats():
    # Integer means and power-of-two stds make normalising and mapping back exact in fp32
    # (HOG orientation is discontinuous at bin edges, so rounding would flip whole pixels).
    mean, std = (128., 64., 32.), (64., 32., 16.)
    images = integer_images(1, 64, 64)
    normalised = (images - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    raw = HOGTargetGenerator(normalization=None)
    with_stats = HOGTargetGenerator(normalization=None, mean=mean, std=std)
    torch.testing.assert_close(with_stats(normalised), raw(images))
    # Without the statistics the unnormalised histograms are those of the scaled image.
    assert not torch.allclose(raw(normalised), raw(images), rtol=1e-2)


def test_block_normalisation_unit_norm_per_channel_token():
    out = HOGTargetGenerator(token_stride=32, normalization='block')(torch.rand(1, 3, 64, 64))
    norms = out.view(1, 4, 3, -1).norm(dim=-1)
    torch.testing.assert_close(norms, torch.ones_like(norms))


def test_fp32_under_autocast():
    gen = HOGTargetGenerator()
    images = torch.rand(1, 3, 32, 32)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        out = gen(images.bfloat16())
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, gen(images.bfloat16().float()))


def test_filters_are_buffers_not_in_state_dict():
    gen = HOGTargetGenerator(gaussian_window=16)
    names = dict(gen.named_buffers())
    assert {'sobel_x', 'sobel_y', 'window'} <= set(names)
    assert gen.state_dict() == {}


@pytest.mark.parametrize('size,match', [(100, 'height 100'), ((128, 120), 'width 120')])
def test_size_not_divisible_is_clear_error(size, match):
    h, w = (size, size) if isinstance(size, int) else size
    with pytest.raises(ValueError, match=match):
        HOGTargetGenerator(token_stride=16)(torch.rand(1, 3, h, w))


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match='token_stride=12'):
        HOGTargetGenerator(token_stride=12)
    with pytest.raises(ValueError, match='normalization'):
        HOGTargetGenerator(normalization='l2hys')
