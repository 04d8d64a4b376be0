"""The authors' MixMIM checkpoints (timm-style keys) convert to our keys.

No authors' checkpoint is downloaded: ``to_authors_keys`` writes one of our models in the
authors' layout (the key table of ``mixmim_mm/converters/official_mixmim.py``). That the
layout is really the authors' is checked independently: MMPretrain's own converter for the
authors' checkpoints (``mixmim_to_mmpretrain.py``, which MMPretrain used to publish the
authors' weights) turns it into an MMPretrain ``MixMIMTransformer`` whose features equal
ours.
"""
import argparse
import importlib.util
import os.path as osp
import re
from collections import OrderedDict

import mmpretrain
import pytest
import torch
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import convert_official_mixmim

ARCH = dict(embed_dims=32, depths=[2, 1, 2, 1], num_heads=[1, 2, 4, 8])
IMG, WINDOWS = 128, [8, 8, 8, 4]
MMPRETRAIN_CONVERTER = osp.join(
    osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'model_converters',
    'mixmim_to_mmpretrain.py')


def authors_relative_position_index(window):
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window),
                                        indexing='ij')).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
    return rel[..., 0] * (2 * window - 1) + rel[..., 1]


def to_authors_keys(ours):
    """Our MixMAE / classifier state dict in the layout of the authors' models."""
    out = OrderedDict()
    last = max(int(m.group(1)) for k in ours for m in [re.search(r'stages\.(\d+)\.', k)] if m)
    for key, value in ours.items():
        name = key.split('.', 1)[1]
        if key.startswith('backbone.'):
            merge = re.match(r'stages\.(\d+)\.downsample\.(.*)', name)
            if merge:
                name = f'layers.{int(merge.group(1)) - 1}.downsample.{merge.group(2)}'
            elif name.startswith('stages.'):
                name = 'layers.' + name[len('stages.'):]
            elif name.startswith(f'norm{last}.'):
                name = 'norm.' + name.split('.', 1)[1]
            out[name] = value
            if name.endswith('attn.relative_position_bias_table'):
                window = (int(round(value.shape[0]**0.5)) + 1) // 2
                out[name.replace('relative_position_bias_table', 'relative_position_index')] = \
                    authors_relative_position_index(window)
        elif key.startswith('head.fc.'):
            out['head.' + key[len('head.fc.'):]] = value
        elif key.startswith('neck.'):
            for new, old in (('ln1.', 'norm1.'), ('ln2.', 'norm2.'),
                             ('ffn.layers.0.0.', 'mlp.fc1.'), ('ffn.layers.1.', 'mlp.fc2.')):
                name = name.replace(new, old)
            out[name] = value
    return out


def randomised(model):
    torch.manual_seed(0)
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model.eval()


@pytest.fixture(scope='module')
def pretrain_model():
    return randomised(
        MODELS.build(
            dict(
                type='MixMAE',
                num_images=2,
                backbone=dict(
                    type='MixMAESwinTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
                neck=dict(
                    type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=2, num_heads=2),
                head=dict(
                    type='MixMAEHead',
                    norm_pix=True,
                    loss=dict(type='PixelReconstructionLoss', criterion='L2')))))


@pytest.fixture(scope='module')
def classifier():
    return randomised(
        MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=dict(
                    type='MixMAESwinTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=10, in_channels=256))))


def test_pretraining_checkpoint_round_trips(pretrain_model):
    ours = pretrain_model.state_dict()
    authors = to_authors_keys(ours)
    for key in ('layers.0.downsample.reduction.weight', 'layers.0.blocks.0.attn.qkv.weight',
                'decoder_blocks.0.norm1.weight', 'mask_token', 'norm.weight'):
        assert key in authors
    converted = convert_official_mixmim(authors)
    assert set(converted) == set(ours)
    for key, value in ours.items():
        assert torch.equal(converted[key], value), key


def test_classifier_checkpoint_round_trips(classifier):
    ours = classifier.state_dict()
    converted = convert_official_mixmim(to_authors_keys(ours))
    assert set(converted) == set(ours)
    assert torch.equal(converted['head.fc.weight'], ours['head.fc.weight'])


@pytest.mark.skipif(
    not osp.isfile(MMPRETRAIN_CONVERTER), reason='MMPretrain installed without its .mim tools')
def test_authors_layout_is_what_mmpretrain_converts(classifier):
    spec = importlib.util.spec_from_file_location('mixmim_to_mmpretrain', MMPRETRAIN_CONVERTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    authors = to_authors_keys(classifier.state_dict())
    reference = MODELS.build(
        dict(type='MixMIMTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS))
    reference.eval()  # its train() returns None
    converted = {
        k[len('backbone.'):]: v
        for k, v in module.convert_mixmim(authors).items() if k.startswith('backbone.')
    }
    missing, unexpected = reference.load_state_dict(converted, strict=False)
    assert not unexpected and all(k.endswith('relative_position_index') for k in missing)
    x = torch.randn(2, 3, IMG, IMG)
    with torch.no_grad():
        expected = reference(x)[0]
        ours = classifier.neck(classifier.backbone(x))[0]
    assert torch.allclose(ours, expected, atol=1e-5), (ours - expected).abs().max()


def test_other_checkpoints_are_refused_with_the_expected_keys():
    with pytest.raises(ValueError, match=r"not an authors' MixMIM checkpoint.*conv1.weight"):
        convert_official_mixmim({'conv1.weight': torch.zeros(1), 'fc.bias': torch.zeros(1)})


def test_unknown_keys_are_not_dropped_silently(classifier):
    authors = to_authors_keys(classifier.state_dict())
    authors['extra_token'] = torch.zeros(3)
    with pytest.raises(ValueError, match='extra_token'):
        convert_official_mixmim(authors)


def test_incomplete_encoder_is_refused(classifier):
    authors = to_authors_keys(classifier.state_dict())
    del authors['layers.1.downsample.norm.weight']
    with pytest.raises(ValueError, match=r'missing \(1\).*stages.2.downsample.norm.weight'):
        convert_official_mixmim(authors, source='broken.pth')


TOOL = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools', 'model_converters',
    'official_mixmim_to_mixmim_mm.py')


def test_command_line_tool_reads_an_authors_training_checkpoint(pretrain_model, tmp_path,
                                                                run_script):
    # The authors' main_pretrain.py saves the argparse namespace next to the weights.
    src, dst = str(tmp_path / 'authors.pth'), str(tmp_path / 'ours.pth')
    torch.save(
        dict(
            model=to_authors_keys(pretrain_model.state_dict()),
            epoch=599,
            args=argparse.Namespace(model='mixmim_base', mask_ratio=0.5)), src)
    run_script(TOOL, [src, dst])
    ours = MODELS.build(
        dict(
            type='MixMAE',
            num_images=2,
            backbone=dict(
                type='MixMAESwinTransformer', arch=ARCH, img_size=IMG, window_size=WINDOWS),
            neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=32, depth=2, num_heads=2),
            head=dict(
                type='MixMAEHead',
                norm_pix=True,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    checkpoint = torch.load(dst, weights_only=True)
    ours.load_state_dict(checkpoint['state_dict'], strict=True)
    assert checkpoint['meta']['backbone_arch']['depths'] == ARCH['depths']


def test_command_line_tool_names_a_file_that_is_not_a_checkpoint(tmp_path, run_script):
    src = tmp_path / 'notes.txt'
    src.write_text('not a checkpoint')
    with pytest.raises(ValueError, match='notes.txt is not a readable PyTorch checkpoint'):
        run_script(TOOL, [str(src), str(tmp_path / 'out.pth')])
