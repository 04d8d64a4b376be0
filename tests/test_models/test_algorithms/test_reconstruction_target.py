"""Every algorithm with a target generator trains the same on a pipeline-side target."""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, default_collate
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401
from mmpretrain.registry import MODELS

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
KEY = 'low_pass_target'
PRE = dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD, to_rgb=True)
VIT = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
MAE_NECK = dict(type='MAEPretrainDecoder', num_patches=16, patch_size=8, in_chans=3,
                embed_dim=32, decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2,
                mlp_ratio=2)
MAE_HEAD = dict(type='MAEPretrainHead', norm_pix=True, patch_size=8,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))
# One tiny model per algorithm that takes a target generator: (config, image side, radius);
# every radius is well below the image's Nyquist corner, so the filter removes detail.
ALGORITHMS = {
    'PixMIM': (dict(type='PixMIM', backbone=dict(type='MAEViT', arch=VIT, img_size=32,
                                                  patch_size=8), neck=MAE_NECK, head=MAE_HEAD),
               32, 4),
    'PixMIM-LSMAE': (dict(type='PixMIM', backbone=dict(type='LSMAEViT', arch=VIT, img_size=32,
                                                        patch_size=8, mask_unit=2),
                          neck=MAE_NECK, head=MAE_HEAD), 32, 4),
    'PixMIMMFF': (dict(type='PixMIMMFF', backbone=dict(type='MFFViT', arch=VIT, img_size=32,
                                                       patch_size=8, out_indices=[0, 1]),
                       neck=MAE_NECK, head=MAE_HEAD), 32, 4),
    'ConvMAE': (dict(type='ConvMAE', backbone=dict(
        type='ConvMAEViT', arch=dict(embed_dims=[16, 24, 32], depths=[1, 1, 2], num_heads=2),
        img_size=64, mask_ratio=0.75), neck=dict(
            type='ConvMAEPretrainDecoder', grid_size=4, patch_size=16, embed_dim=32,
            decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2),
        head=dict(MAE_HEAD, patch_size=16)), 64, 8),
    'MixMAE': (dict(type='MixMAE', num_images=2, mix_mode='group', backbone=dict(
        type='MixMAESwinTransformer', arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
        neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=1, num_heads=2),
        head=dict(type='MixMAEHead')), 128, 16),
}


def build(name, target_generator):
    cfg = copy.deepcopy(ALGORITHMS[name][0])
    cfg.update(data_preprocessor=PRE, target_generator=target_generator)
    return MODELS.build(cfg)


def model_side(name):
    return dict(type='LowPassTargetGenerator', radius=ALGORITHMS[name][2])


def pipeline_side():
    return dict(type='DataSampleTarget', key=KEY)


def batch(name, with_target, n=4, seed=0):
    """A collated batch of generated images, cropped and flipped by a seeded pipeline."""
    _, size, radius = ALGORITHMS[name]
    transforms = [dict(type='RandomCrop', crop_size=size),
                  dict(type='RandomFlip', prob=0.5, direction='horizontal')]
    if with_target:
        transforms.append(dict(type='LowPassTarget', radius=radius))
    transforms.append(dict(type='PackInputs', algorithm_keys=[KEY] if with_target else []))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(transforms)
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    return default_collate([
        pipeline(dict(img=rng.integers(0, 256, (size + 6, size + 10, 3), dtype=np.uint8)))
        for _ in range(n)])


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
