"""Every algorithm with a target generator trains the same on a pipeline-side target."""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, default_collate
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
KEY = 'low_pass_target'
PRE = dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True)
VIT = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
MAE_NECK = dict(
    type='MAEPretrainDecoder',
    num_patches=16,
    patch_size=8,
    in_chans=3,
    embed_dim=32,
    decoder_embed_dim=16,
    decoder_depth=1,
    decoder_num_heads=2,
    mlp_ratio=2)
MAE_HEAD = dict(
    type='MAEPretrainHead',
    norm_pix=True,
    patch_size=8,
    loss=dict(type='PixelReconstructionLoss', criterion='L2'))
# One tiny model per algorithm that takes a target generator: (config, image side, radius);
# every radius is well below the image's Nyquist corner, so the filter removes detail.
ALGORITHMS = {
    'PixMIM': (dict(
        type='PixMIM',
        backbone=dict(type='MAEViT', arch=VIT, img_size=32, patch_size=8),
        neck=MAE_NECK,
        head=MAE_HEAD), 32, 4),
    'PixMIM-LSMAE': (dict(
        type='PixMIM',
        backbone=dict(type='LSMAEViT', arch=VIT, img_size=32, patch_size=8, mask_unit=16),
        neck=MAE_NECK,
        head=MAE_HEAD), 32, 4),
    'PixMIMMFF': (dict(
        type='PixMIMMFF',
        backbone=dict(type='MFFViT', arch=VIT, img_size=32, patch_size=8, out_indices=[0, 1]),
        neck=MAE_NECK,
        head=MAE_HEAD), 32, 4),
    'ConvMAE': (dict(
        type='ConvMAE',
        backbone=dict(
            type='ConvMAEViT',
            arch=dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2),
            img_size=64,
            mask_ratio=0.75),
        neck=dict(
            type='ConvMAEPretrainDecoder',
            grid_size=4,
            patch_size=16,
            embed_dim=32,
            decoder_embed_dim=16,
            decoder_depth=1,
            decoder_num_heads=2),
        head=dict(MAE_HEAD, patch_size=16)), 64, 8),
    'MixMAE': (dict(
        type='MixMAE',
        num_images=2,
        mix_mode='group',
        backbone=dict(
            type='MixMAESwinTransformer', arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
        neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
        head=dict(type='MixMAEHead')), 128, 16),
    'FastMIM': (dict(
        type='FastMIM',
        mask_unit=16,
        backbone=dict(type='FastMIMViT', arch=VIT, img_size=32, patch_size=16, out_type='raw'),
        neck=dict(type='FastMIMDecoder', in_channels=32, out_channels=16 * 16 * 3, embed_dims=32),
        head=dict(type='FastMIMHead', patch_size=16)), 32, 4),
}


def build(name, target_generator):
    cfg = copy.deepcopy(ALGORITHMS[name][0])
    cfg.update(data_preprocessor=PRE, target_generator=target_generator)
    return MODELS.build(cfg)


def model_side(name):
    return dict(type='LowPassTargetGenerator', radius=ALGORITHMS[name][2])


def pipeline_side():
    return dict(type='DataSampleTarget', key=KEY)


def batch(name, with_target, n=4, seed=0, size=None, target=None):
    """A collated batch of generated images, cropped and flipped by a seeded pipeline; with
    ``with_target`` the ``target`` transform (default: the low-pass one) follows."""
    _, default_size, radius = ALGORITHMS.get(name, (None, size, None))
    size = size or default_size
    target = target or dict(type='LowPassTarget', radius=radius)
    transforms = [
        dict(type='RandomCrop', crop_size=size),
        dict(type='RandomFlip', prob=0.5, direction='horizontal')
    ]
    if with_target:
        transforms.append(target)
    keys = [target.get('key', 'hog_target' if target['type'] == 'HOGTarget' else KEY)]
    transforms.append(dict(type='PackInputs', algorithm_keys=keys if with_target else []))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(transforms)
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    return default_collate([
        pipeline(dict(img=rng.integers(0, 256, (size + 6, size + 10, 3), dtype=np.uint8)))
        for _ in range(n)
    ])


def loss(model, data, seed=0):
    data = model.data_preprocessor(data, training=True)
    torch.manual_seed(seed)
    return model.loss(data['inputs'], data['data_samples'])


@pytest.mark.parametrize('name', sorted(ALGORITHMS))
def test_loss_is_the_same_with_the_target_on_either_side(name):
    torch.manual_seed(0)
    computed = build(name, model_side(name)).eval()
    read = build(name, pipeline_side()).eval()
    read.load_state_dict(computed.state_dict())
    assert read.target_from_pipeline and not computed.target_from_pipeline
    expected = loss(computed, batch(name, with_target=False))
    got = loss(read, batch(name, with_target=True))
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], atol=1e-5, rtol=1e-5)
    # The target matters: reconstructing the raw input gives another loss.
    raw = build(name, None).eval() if name not in ('PixMIM', 'PixMIMMFF', 'PixMIM-LSMAE') \
        else None
    if raw is not None:
        raw.load_state_dict(computed.state_dict())
        assert not torch.allclose(loss(raw, batch(name, False))['loss'], expected['loss'])


@pytest.mark.parametrize('name', sorted(ALGORITHMS))
def test_pipeline_target_gets_the_preprocessor_settings(name):
    generator = build(name, pipeline_side()).target_generator
    torch.testing.assert_close(generator.mean.flatten(), torch.tensor(MEAN))
    torch.testing.assert_close(generator.std.flatten(), torch.tensor(STD))
    assert generator.swap_channels


@pytest.mark.parametrize('name', ['PixMIM', 'ConvMAE', 'MixMAE'])
def test_target_in_pipeline_and_model_is_an_error_naming_the_key(name):
    model = build(name, model_side(name))
    with pytest.raises(ValueError, match=f"carry '{KEY}'.*LowPassTargetGenerator"):
        loss(model, batch(name, with_target=True))


@pytest.mark.parametrize('name', ['ConvMAE', 'MixMAE'])
def test_pipeline_target_without_a_reader_is_an_error(name):
    with pytest.raises(ValueError, match=f"carry '{KEY}'.*no target_generator"):
        loss(build(name, None), batch(name, with_target=True))


@pytest.mark.parametrize('name', ['PixMIM', 'MixMAE'])
def test_missing_pipeline_target_is_an_error_naming_the_key(name):
    with pytest.raises(KeyError, match=f"no '{KEY}' field.*algorithm_keys"):
        loss(build(name, pipeline_side()), batch(name, with_target=False))


def test_target_of_the_wrong_shape_is_an_error_naming_the_key():
    model = build('PixMIM', pipeline_side())
    data = batch('PixMIM', with_target=True)
    sample = data['data_samples'][1]
    sample.set_field(sample.get(KEY)[:, :16], KEY)
    with pytest.raises(ValueError, match=f"data sample 1 has '{KEY}' of shape"):
        loss(model, data)


# HOG target (per-token features): FastMIM and MixMAE, model side vs HOGTarget in the pipeline.
# Integer means and power-of-two stds keep the model side's mapping back to pixels exact, so
# both sides bin the same gradients (with ImageNet's stats a few exactly horizontal gradients
# change bin on the model side by rounding; see test_image_targets.py).
HOG_KEY = 'hog_target'
EXACT_PRE = dict(
    type='SelfSupDataPreprocessor', mean=[128., 64., 32.], std=[64., 32., 16.], to_rgb=True)
HOG_ALGORITHMS = {
    'FastMIM':
    (dict(ALGORITHMS['FastMIM'][0], neck=dict(ALGORITHMS['FastMIM'][0]['neck'],
                                              out_channels=108)), 32, 16),
    'MixMAE':
    (dict(ALGORITHMS['MixMAE'][0], neck=dict(ALGORITHMS['MixMAE'][0]['neck'],
                                             out_channels=432)), 128, 32),
}


def build_hog(name, target_generator, preprocessor=EXACT_PRE):
    cfg = copy.deepcopy(HOG_ALGORITHMS[name][0])
    cfg.update(data_preprocessor=preprocessor, target_generator=target_generator)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def hog_batch(name, with_target, **kwargs):
    _, size, stride = HOG_ALGORITHMS[name]
    return batch(
        name, with_target, size=size, target=dict(type='HOGTarget', token_stride=stride), **kwargs)


@pytest.mark.parametrize('name', sorted(HOG_ALGORITHMS))
def test_hog_loss_is_the_same_with_the_target_on_either_side(name):
    stride = HOG_ALGORITHMS[name][2]
    torch.manual_seed(0)
    computed = build_hog(name, dict(type='HOGTargetGenerator', token_stride=stride)).eval()
    read = build_hog(name, dict(type='DataSampleTarget', key=HOG_KEY, pixel_space=False)).eval()
    read.load_state_dict(computed.state_dict())
    assert read.target_from_pipeline
    expected = loss(computed, hog_batch(name, with_target=False))['loss']
    got = loss(read, hog_batch(name, with_target=True))['loss']
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-6)
    # The loss is scored against the data samples' target: another target, another loss.
    data = hog_batch(name, with_target=True)
    for sample in data['data_samples']:
        sample.set_field(sample.get(HOG_KEY).roll(1, dims=0), HOG_KEY)
    assert not torch.allclose(loss(read, data)['loss'], expected)


def test_fastmim_hog_target_with_wrong_token_count_is_an_error_naming_the_key():
    model = build_hog('FastMIM', dict(type='DataSampleTarget', key=HOG_KEY, pixel_space=False))
    data = batch('FastMIM', True, size=32, target=dict(type='HOGTarget', token_stride=8))
    with pytest.raises(ValueError, match=f"'{HOG_KEY}' gives 16 target tokens for a 2x2"):
        loss(model, data)


def test_fastmim_hog_target_without_a_reader_is_an_error_naming_the_key():
    model = build_hog('FastMIM', dict(type='HOGTargetGenerator'))
    with pytest.raises(ValueError, match=f"carry '{HOG_KEY}'.*HOGTargetGenerator"):
        loss(model, hog_batch('FastMIM', with_target=True))
