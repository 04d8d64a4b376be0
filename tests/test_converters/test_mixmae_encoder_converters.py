"""Our PVT / Twins-SVT / ViT encoders convert to OpenMMLab's own classes with equal features."""
import subprocess
import sys

import pytest
import torch
from mmpretrain.models.backbones import SVT, VisionTransformer

from mixmim_mm.converters import convert_mixmae_encoder, save_checkpoint_file
from mixmim_mm.models.backbones import MixMAESVT, MixMAEViT

SVT_ARCH = dict(
    embed_dims=[8, 16, 16, 32],
    depths=[2, 2, 2, 2],
    num_heads=[1, 2, 2, 4],
    patch_sizes=[4, 2, 2, 2],
    strides=[4, 2, 2, 2],
    mlp_ratios=[2, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1],
    window_sizes=[4, 4, 2, 2])
PVT_ARCH = dict(
    embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4], mlp_ratios=[2, 2, 2, 2])
VIT_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def randomised(model):
    torch.manual_seed(0)
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    model.eval()
    return model


def whole_model(encoder):
    """A pretraining-style state dict: the encoder under ``backbone.`` and a decoder."""
    state = {'backbone.' + k: v for k, v in encoder.state_dict().items()}
    state['neck.decoder_embed.weight'] = torch.zeros(2, 2)
    return state


def assert_same_features(ours, ref, x):
    a, b = ours(x), ref(x)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        torch.testing.assert_close(u, v)


def test_pvt_loads_into_mmdet_pvt():
    import mmdet.models.backbones.pvt as pvt

    from mixmim_mm.models.backbones import MixMAEPVT
    ours = randomised(MixMAEPVT(arch=PVT_ARCH, img_size=64))
    converted = convert_mixmae_encoder(whole_model(ours), 'pvt')
    ref = pvt.PyramidVisionTransformer(pretrain_img_size=64, drop_path_rate=0., **PVT_ARCH)
    ref.load_state_dict(converted, strict=True)
    ref.eval()
    assert_same_features(ours, ref, torch.randn(1, 3, 64, 64))


def test_svt_loads_into_mmpretrain_svt():
    ours = randomised(MixMAESVT(arch=SVT_ARCH, img_size=64, out_indices=(0, 1, 2, 3)))
    converted = convert_mixmae_encoder(whole_model(ours), 'svt')
    ref = SVT(SVT_ARCH, out_indices=(0, 1, 2, 3), norm_after_stage=[False, False, False, True])
    ref.load_state_dict(converted, strict=True)
    ref.eval()
    assert_same_features(ours, ref, torch.randn(1, 3, 64, 64))


def test_svt_loads_into_mmseg_svt_with_only_the_extra_stage_norms_fresh():
    import mmseg.models.backbones.twins as twins
    ours = randomised(MixMAESVT(arch=SVT_ARCH, img_size=64, out_indices=(0, 1, 2, 3)))
    converted = convert_mixmae_encoder(whole_model(ours), 'svt', target='mmseg')
    arch = {k: v for k, v in SVT_ARCH.items() if k not in ('patch_sizes', 'window_sizes')}
    ref = twins.SVT(
        **arch, windiow_sizes=SVT_ARCH['window_sizes'], qkv_bias=True, norm_after_stage=True)
    missing, unexpected = ref.load_state_dict(converted, strict=False)
    assert not unexpected
    assert sorted({k.rsplit('.', 1)[0] for k in missing}) == [f'norm_list.{i}' for i in range(3)]
    # mmseg norms every stage's output, also the input of the next stage; ours (like the
    # Twins classification model) only the last. Without the fresh norms they are equal.
    for i in range(3):
        ref.norm_list[i] = torch.nn.Identity()
    ref.eval()
    assert_same_features(ours, ref, torch.randn(1, 3, 64, 64))


@pytest.mark.slow
def test_vit_loads_into_mmpretrain_vit(tmp_path):
    ours = randomised(MixMAEViT(arch=VIT_ARCH, img_size=64))
    src, dst = str(tmp_path / 'pretrain.pth'), str(tmp_path / 'vit.pth')
    save_checkpoint_file(whole_model(ours), src)
    subprocess.run([
        sys.executable, 'tools/model_converters/mixmae_encoder_to_openmmlab.py', src, dst,
        '--encoder', 'vit'
    ],
                   check=True,
                   capture_output=True)
    ref = VisionTransformer(arch=VIT_ARCH, img_size=64, with_cls_token=False, out_type='featmap')
    ref.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    ref.eval()
    assert_same_features(ours, ref, torch.randn(1, 3, 64, 64))


def test_wrong_encoder_is_named():
    ours = MixMAEViT(arch=VIT_ARCH, img_size=64)
    with pytest.raises(ValueError, match='cannot read the stage layout'):
        convert_mixmae_encoder(whole_model(ours), 'svt')
    with pytest.raises(ValueError, match="not 'mmseg'"):
        convert_mixmae_encoder(whole_model(ours), 'vit', target='mmseg')
