"""The FastMIM authors' checkpoints (timm-style keys) convert to our keys, exactly.

No authors' checkpoint is downloaded: ``authors_*`` below write state dicts with the key names
and shapes of the authors' modules (``mim_vit_pretrain.py``, ``mim_swin_pretrain.py``,
``models_vit.py``, ``mim_swin_finetune.py``, ``mim_pvtv2_finetune.py`` of
ggjy/FastMIM.pytorch) at tiny sizes, listed from those modules and not from the converter's
table. Our models are built at the same sizes; a converted checkpoint must hold exactly their
keys and shapes. Where the conversion changes values (Swin patch merging, PVTv2 q/kv and 1x1
convolutions) or where a renaming could pair the wrong weights, stand-ins of the authors'
forward passes (written from their definitions) are compared with our modules numerically.
"""
import argparse
import os
import os.path as osp
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.utils import PatchMerging, WindowMSA
from mmpretrain.registry import MODELS

import mixmim_mm  # noqa: F401
from mixmim_mm.converters import convert_official_fastmim, detect_official_fastmim
from mixmim_mm.converters.official_fastmim import patch_merging_timm_to_unfold

VIT = dict(dim=32, depth=2, heads=2, patch=16)
SWIN = dict(dim=16, depths=(2, 2, 1, 1), heads=(1, 2, 2, 4), window=4, img=128)
PVT = dict(
    dims=(4, 8, 16, 32),
    depths=(1, 2, 1, 1),
    heads=(1, 2, 4, 8),
    srs=(8, 4, 2, 1),
    mlp=(8, 8, 4, 4))
DECODER = dict(dim=16, depth=2)
TOOL = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools', 'model_converters',
    'official_fastmim_to_mixmim_mm.py')


# ---------------------------------------------------------------- the authors' layouts
def linear(name, out, inp, bias=True):
    return {f'{name}.weight': (out, inp), **({f'{name}.bias': (out, )} if bias else {})}


def norm(name, dim):
    return {f'{name}.weight': (dim, ), f'{name}.bias': (dim, )}


def timm_block(prefix, dim, ratio=4):
    """timm 0.3.2 ``Block``: norm1, attn (qkv, proj), norm2, mlp (fc1, fc2)."""
    return {
        **norm(f'{prefix}norm1', dim),
        **linear(f'{prefix}attn.qkv', 3 * dim, dim),
        **linear(f'{prefix}attn.proj', dim, dim),
        **norm(f'{prefix}norm2', dim),
        **linear(f'{prefix}mlp.fc1', ratio * dim, dim),
        **linear(f'{prefix}mlp.fc2', dim, ratio * dim),
    }


def decoder_shapes(in_dim, out_dim):
    shapes = linear('decoder_embed', DECODER['dim'], in_dim)
    for i in range(DECODER['depth']):
        shapes.update(timm_block(f'decoder_blocks.{i}.', DECODER['dim']))
    shapes.update({
        **norm('decoder_norm', DECODER['dim']),
        **linear('decoder_pred', out_dim, DECODER['dim']), 'mask_token': (1, 3, 1, 1)
    })
    return shapes


def vit_shapes(img, finetune):
    dim, patch = VIT['dim'], VIT['patch']
    shapes = {
        'cls_token': (1, 1, dim),
        'pos_embed': (1, 1 + (img // patch)**2, dim),
        'patch_embed.proj.weight': (dim, 3, patch, patch),
        'patch_embed.proj.bias': (dim, )
    }
    for i in range(VIT['depth']):
        shapes.update(timm_block(f'blocks.{i}.', dim))
    if finetune:  # models_vit.py with global_pool: `norm` deleted, `fc_norm` added
        return {**shapes, **norm('fc_norm', dim), **linear('head', 10, dim)}
    return {**shapes, **norm('norm', dim), **decoder_shapes(dim, 108)}


def authors_relative_position_index(window):
    """As the authors' ``WindowAttention.__init__`` builds it."""
    coords = torch.stack(
        torch.meshgrid([torch.arange(window), torch.arange(window)], indexing='ij'))
    flat = torch.flatten(coords, 1)
    relative = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
    relative[:, :, 0] += window - 1
    relative[:, :, 1] += window - 1
    relative[:, :, 0] *= 2 * window - 1
    return relative.sum(-1)


def swin_shapes(prefix):
    """The authors' timm-style Swin: ``PatchEmbed`` with norm, ``BasicLayer``s whose shifted
    blocks carry an ``attn_mask`` buffer, ``PatchMerging`` at the end of stages 0-2."""
    dim, window = SWIN['dim'], SWIN['window']
    shapes = {
        f'{prefix}patch_embed.proj.weight': (dim, 3, 4, 4),
        f'{prefix}patch_embed.proj.bias': (dim, ),
        **norm(f'{prefix}patch_embed.norm', dim)
    }
    for i, (depth, heads) in enumerate(zip(SWIN['depths'], SWIN['heads'])):
        d, res = dim * 2**i, SWIN['img'] // 4 // 2**i
        for j in range(depth):
            block = f'{prefix}layers.{i}.blocks.{j}.'
            shapes.update(timm_block(block, d))
            shapes[f'{block}attn.relative_position_bias_table'] = ((2 * window - 1)**2, heads)
            shapes[f'{block}attn.relative_position_index'] = 'index'
            if j % 2 and res > window:
                shapes[f'{block}attn_mask'] = ((res // window)**2, window**2, window**2)
        if i < len(SWIN['depths']) - 1:
            shapes[f'{prefix}layers.{i}.downsample.reduction.weight'] = (2 * d, 4 * d)
            shapes.update(norm(f'{prefix}layers.{i}.downsample.norm', 4 * d))
    return shapes


def swin_final(finetune):
    width = SWIN['dim'] * 8
    if finetune:  # mim_swin_finetune.py: fc_norm, average pooling, head
        return {**swin_shapes(''), **norm('fc_norm', width), **linear('head', 10, width)}
    return {**swin_shapes('encoder.'), **norm('encoder.norm', width), **decoder_shapes(width, 432)}


def pvt_shapes():
    """``PyramidVisionTransformerV2`` of ``mim_pvtv2_finetune.py`` (qkv_bias=True)."""
    shapes, previous = {}, 3
    for s, (d, depth, sr, ratio) in enumerate(
            zip(PVT['dims'], PVT['depths'], PVT['srs'], PVT['mlp']), start=1):
        k = 7 if s == 1 else 3
        shapes.update({
            f'patch_embed{s}.proj.weight': (d, previous, k, k),
            f'patch_embed{s}.proj.bias': (d, ),
            **norm(f'patch_embed{s}.norm', d)
        })
        for j in range(depth):
            b = f'block{s}.{j}.'
            shapes.update({
                **norm(f'{b}norm1', d),
                **linear(f'{b}attn.q', d, d),
                **linear(f'{b}attn.kv', 2 * d, d),
                **linear(f'{b}attn.proj', d, d),
                **norm(f'{b}norm2', d),
                **linear(f'{b}mlp.fc1', ratio * d, d),
                f'{b}mlp.dwconv.dwconv.weight': (ratio * d, 1, 3, 3),
                f'{b}mlp.dwconv.dwconv.bias': (ratio * d, ),
                **linear(f'{b}mlp.fc2', d, ratio * d),
            })
            if sr > 1:
                shapes.update({
                    f'{b}attn.sr.weight': (d, d, sr, sr),
                    f'{b}attn.sr.bias': (d, ),
                    **norm(f'{b}attn.norm', d)
                })
        shapes.update(norm(f'norm{s}', d))
        previous = d
    return {**shapes, **linear('head', 10, PVT['dims'][-1])}


def materialise(shapes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    for key, shape in shapes.items():
        if shape == 'index':
            state[key] = authors_relative_position_index(SWIN['window'])
        else:
            state[key] = torch.randn(shape, generator=generator) * 0.2
            if 'norm' in key and key.endswith('.weight') and len(shape) == 1:
                state[key] += 1.  # LayerNorm scales near 1, as trained ones are
    return state


# ---------------------------------------------------------------- our models
def fastmim_vit():
    return MODELS.build(
        dict(
            type='FastMIM',
            backbone=dict(
                type='FastMIMViT',
                arch=dict(
                    embed_dims=VIT['dim'],
                    num_layers=VIT['depth'],
                    num_heads=VIT['heads'],
                    feedforward_channels=4 * VIT['dim']),
                img_size=32,
                patch_size=VIT['patch'],
                out_type='raw'),
            neck=dict(
                type='FastMIMDecoder',
                in_channels=VIT['dim'],
                out_channels=108,
                embed_dims=DECODER['dim'],
                depth=DECODER['depth']),
            head=dict(type='FastMIMHead', patch_size=16),
            target_generator=dict(type='HOGTargetGenerator', token_stride=16)))


def swin_arch():
    return dict(embed_dims=SWIN['dim'], depths=list(SWIN['depths']), num_heads=list(SWIN['heads']))


def fastmim_swin():
    return MODELS.build(
        dict(
            type='FastMIM',
            mask_unit=32,
            backbone=dict(
                type='SwinTransformer',
                arch=swin_arch(),
                img_size=SWIN['img'],
                window_size=SWIN['window'],
                out_indices=(3, )),
            neck=dict(
                type='FastMIMDecoder',
                in_channels=SWIN['dim'] * 8,
                out_channels=432,
                embed_dims=DECODER['dim'],
                depth=DECODER['depth']),
            head=dict(type='FastMIMHead', patch_size=32),
            target_generator=dict(type='HOGTargetGenerator', token_stride=32)))


def classifier(backbone, width, neck=dict(type='GlobalAveragePooling')):
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=neck,
            head=dict(type='LinearClsHead', num_classes=10, in_channels=width)))


def vit_backbone(**kwargs):
    return dict(
        type='LoudVisionTransformer',
        arch=dict(
            embed_dims=VIT['dim'],
            num_layers=VIT['depth'],
            num_heads=VIT['heads'],
            feedforward_channels=4 * VIT['dim']),
        img_size=32,
        patch_size=VIT['patch'],
        out_type='avg_featmap',
        final_norm=False,
        **kwargs)


def swin_backbone(**kwargs):
    return dict(
        type='LoudSwinTransformer',
        arch=swin_arch(),
        img_size=SWIN['img'],
        window_size=SWIN['window'],
        out_indices=(3, ),
        **kwargs)


def pvt_backbone(**kwargs):
    return dict(
        type='LoudPyramidVisionTransformerV2',
        embed_dims=PVT['dims'][0],
        num_layers=list(PVT['depths']),
        num_heads=list(PVT['heads']),
        out_indices=(3, ),
        **kwargs)


CASES = {
    'vit-pretrain': (lambda: vit_shapes(32, finetune=False), fastmim_vit),
    'swin-pretrain': (lambda: swin_final(finetune=False), fastmim_swin),
    'vit-finetune': (lambda: vit_shapes(32, finetune=True),
                     lambda: classifier(vit_backbone(), VIT['dim'], neck=None)),
    'swin-finetune':
    (lambda: swin_final(finetune=True), lambda: classifier(swin_backbone(), SWIN['dim'] * 8)),
    'pvtv2-finetune': (pvt_shapes, lambda: classifier(pvt_backbone(), PVT['dims'][-1])),
}


def save_authors_file(path, state):
    # As the authors' util/misc.py save_model writes it.
    torch.save(dict(model=state, epoch=399, args=argparse.Namespace(model='mim', blr=1.5e-4)), path)
    return str(path)


# ---------------------------------------------------------------- every key, nothing left over
@pytest.mark.parametrize('kind', list(CASES))
def test_converts_to_every_key_of_our_model(kind):
    shapes, build = CASES[kind]
    authors = materialise(shapes())
    assert detect_official_fastmim(authors) == kind
    converted = convert_official_fastmim(authors, source='authors.pth')
    ours = build().state_dict()
    assert list(converted) and set(converted) == set(ours)
    for key, value in ours.items():
        assert converted[key].shape == value.shape, key
    model = build()
    model.load_state_dict(converted, strict=True)
    # Renamed tensors keep the authors' values (here the first patch embedding).
    assert torch.equal(
        model.state_dict()[next(k for k in ours if k.endswith('projection.weight'))],
        authors[next(k for k in authors if 'patch_embed' in k and k.endswith('proj.weight'))])


def test_every_authors_tensor_lands_somewhere():
    authors = materialise(swin_final(finetune=False))
    converted = convert_official_fastmim(authors)
    kept = [k for k in authors if not k.endswith('attn_mask')]
    # Each kept tensor's values appear under exactly one converted key (the index buffers
    # and permuted merging weights too, as sets of values).
    pool = {}
    for value in converted.values():
        pool.setdefault(tuple(value.shape), []).append(value.flatten().sort().values)
    for key in kept:
        values = authors[key].flatten().sort().values
        candidates = pool[tuple(authors[key].shape)]
        assert any(torch.equal(values, c) for c in candidates), key


def test_mask_token_and_final_norms_go_to_the_right_places():
    authors = materialise(vit_shapes(32, finetune=False))
    converted = convert_official_fastmim(authors)
    assert torch.equal(converted['mask_token'], authors['mask_token'])
    assert torch.equal(converted['backbone.ln1.weight'], authors['norm.weight'])
    assert torch.equal(converted['neck.decoder_blocks.1.ffn.layers.1.weight'],
                       authors['decoder_blocks.1.mlp.fc2.weight'])
    finetuned = convert_official_fastmim(materialise(vit_shapes(32, finetune=True)))
    # global-pool fine-tuning: fc_norm normalises the mean patch token, MMPretrain's ln2 too.
    assert 'backbone.ln2.weight' in finetuned and 'backbone.ln1.weight' not in finetuned
    swin = materialise(swin_final(finetune=True))
    assert torch.equal(convert_official_fastmim(swin)['backbone.norm3.bias'], swin['fc_norm.bias'])


# ---------------------------------------------------------------- Swin patch merging
def authors_merge(x):
    """The authors' ``PatchMerging`` concatenation, (B, H, W, C) -> (B, H/2 * W/2, 4C)."""
    x0, x1 = x[:, 0::2, 0::2, :], x[:, 1::2, 0::2, :]
    x2, x3 = x[:, 0::2, 1::2, :], x[:, 1::2, 1::2, :]
    return torch.cat([x0, x1, x2, x3], -1).flatten(1, 2)


def test_patch_merging_reduction_sees_the_same_neighbours():
    torch.manual_seed(0)
    channels = 3
    # One 2x2 neighbourhood whose every value names its (row, col, channel).
    x = torch.tensor([[[100 * r + 10 * c + k for k in range(channels)] for c in range(2)]
                      for r in range(2)],
                     dtype=torch.float64)[None]
    theirs = authors_merge(x)[0, 0]
    ours = F.unfold(x.permute(0, 3, 1, 2), kernel_size=2, stride=2)[0, :, 0]  # MMPretrain's
    assert sorted(theirs.tolist()) == sorted(ours.tolist()) and not torch.equal(theirs, ours)
    weight = torch.randn(2 * channels, 4 * channels, dtype=torch.float64)
    converted = patch_merging_timm_to_unfold(weight)
    assert torch.allclose(converted @ ours, weight @ theirs, atol=1e-6, rtol=0)
    # Without the reordering the reduction reads other neighbours: the test can tell.
    assert not torch.allclose(weight @ ours, weight @ theirs, atol=1e-6, rtol=0)
    # Spelled out: our input c*4 + m is the authors' [0, 2, 1, 3][m]*C + c.
    for c in range(channels):
        for m, k in enumerate((0, 2, 1, 3)):
            assert torch.equal(converted[:, c * 4 + m], weight[:, k * channels + c])


def test_converted_patch_merging_matches_the_authors_with_mmpretrain_module():
    torch.manual_seed(0)
    c = SWIN['dim']
    reduction, norm_w, norm_b = torch.randn(2 * c, 4 * c), torch.randn(4 * c), torch.randn(4 * c)
    x = torch.randn(2, 4, 6, c)
    expected = F.linear(F.layer_norm(authors_merge(x), (4 * c, ), norm_w, norm_b), reduction)
    authors = materialise(swin_final(finetune=True))
    authors['layers.0.downsample.reduction.weight'] = reduction
    authors['layers.0.downsample.norm.weight'], authors['layers.0.downsample.norm.bias'] = \
        norm_w, norm_b
    converted = convert_official_fastmim(authors)
    merging = PatchMerging(in_channels=c, out_channels=2 * c)
    merging.load_state_dict({
        k.split('downsample.')[1]: v
        for k, v in converted.items() if k.startswith('backbone.stages.0.downsample.')
    })
    ours, size = merging(x.flatten(1, 2), (4, 6))
    assert size == (2, 3)
    assert torch.allclose(ours, expected, atol=1e-5), (ours - expected).abs().max()


# ---------------------------------------------------------------- numerical equivalence
def timm_attention(x, state, prefix, heads, bias=None):
    qkv = F.linear(x, state[f'{prefix}qkv.weight'], state[f'{prefix}qkv.bias'])
    b, n, c = x.shape
    q, k, v = qkv.reshape(b, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
    attn = (q * (c // heads)**-0.5) @ k.transpose(-2, -1)
    if bias is not None:
        attn = attn + bias
    x = (attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c)
    return F.linear(x, state[f'{prefix}proj.weight'], state[f'{prefix}proj.bias'])


def timm_block_forward(x, state, prefix, heads, eps=1e-6):
    """timm's ``Block``: x + attn(norm1(x)); x + mlp(norm2(x)), GELU in the MLP."""

    def ln(y, name):
        return F.layer_norm(y, y.shape[-1:], state[f'{name}.weight'], state[f'{name}.bias'], eps)

    x = x + timm_attention(ln(x, f'{prefix}norm1'), state, f'{prefix}attn.', heads)
    hidden = F.gelu(
        F.linear(
            ln(x, f'{prefix}norm2'), state[f'{prefix}mlp.fc1.weight'],
            state[f'{prefix}mlp.fc1.bias']))
    return x + F.linear(hidden, state[f'{prefix}mlp.fc2.weight'], state[f'{prefix}mlp.fc2.bias'])


def authors_vit_encoder(img, state):
    """``MaskedAutoencoderViT.forward_encoder`` without the masking."""
    x = F.conv2d(
        img, state['patch_embed.proj.weight'], state['patch_embed.proj.bias'],
        stride=VIT['patch']).flatten(2).transpose(1, 2)
    x = x + state['pos_embed'][:, 1:]
    cls = (state['cls_token'] + state['pos_embed'][:, :1]).expand(x.shape[0], -1, -1)
    x = torch.cat([cls, x], 1)
    for i in range(VIT['depth']):
        x = timm_block_forward(x, state, f'blocks.{i}.', VIT['heads'])
    return F.layer_norm(x, x.shape[-1:], state['norm.weight'], state['norm.bias'], 1e-6)


def test_vit_encoder_loaded_from_the_authors_file_computes_their_features(tmp_path):
    authors = materialise(vit_shapes(32, finetune=False))
    path = save_authors_file(tmp_path / 'vit_base_fastmim_hog_800e_pretrain.pth', authors)
    backbone = MODELS.build(
        dict(
            type='FastMIMViT',
            arch=dict(
                embed_dims=VIT['dim'],
                num_layers=VIT['depth'],
                num_heads=VIT['heads'],
                feedforward_channels=4 * VIT['dim']),
            img_size=32,
            patch_size=VIT['patch'],
            out_type='raw',
            init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.')))
    backbone.init_weights()  # the loud loader detects the authors' layout and converts
    backbone.eval()
    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        ours = backbone(img)[0]
        theirs = authors_vit_encoder(img, authors)
    assert torch.allclose(ours, theirs, atol=1e-5), (ours - theirs).abs().max()


def test_vit_decoder_block_matches_the_authors_block():
    authors = materialise(vit_shapes(32, finetune=False))
    converted = convert_official_fastmim(authors)
    model = fastmim_vit()
    model.load_state_dict(converted)
    x = torch.randn(2, 5, DECODER['dim'])
    heads = max(DECODER['dim'] // 32, 1)  # the authors' decoder_num_heads
    with torch.no_grad():
        ours = model.neck.decoder_blocks[1](x)
        theirs = timm_block_forward(x, authors, 'decoder_blocks.1.', heads)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_swin_window_attention_uses_the_same_relative_positions():
    authors = materialise(swin_final(finetune=False))
    converted = convert_official_fastmim(authors)
    window, heads, dim = SWIN['window'], SWIN['heads'][1], SWIN['dim'] * 2
    ours = WindowMSA(dim, (window, window), heads)
    prefix = 'backbone.stages.1.blocks.1.attn.w_msa.'
    ours.load_state_dict({k[len(prefix):]: v for k, v in converted.items() if k.startswith(prefix)})
    assert torch.equal(ours.relative_position_index, authors_relative_position_index(window))
    x = torch.randn(3, window * window, dim)
    table = authors['encoder.layers.1.blocks.1.attn.relative_position_bias_table']
    index = authors['encoder.layers.1.blocks.1.attn.relative_position_index']
    bias = table[index.view(-1)].view(window**2, window**2, -1).permute(2, 0, 1)
    with torch.no_grad():
        theirs = timm_attention(x, authors, 'encoder.layers.1.blocks.1.attn.', heads, bias[None])
        assert torch.allclose(ours(x), theirs, atol=1e-5)


def authors_pvt_features(img, state):
    """``PyramidVisionTransformerV2.forward_features`` before the pooling, (B, N, C)."""
    x = img
    for s, (d, depth, heads, sr) in enumerate(
            zip(PVT['dims'], PVT['depths'], PVT['heads'], PVT['srs']), start=1):
        k = 7 if s == 1 else 3
        x = F.conv2d(
            x,
            state[f'patch_embed{s}.proj.weight'],
            state[f'patch_embed{s}.proj.bias'],
            stride=4 if s == 1 else 2,
            padding=k // 2)
        b, _, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        x = F.layer_norm(x, (d, ), state[f'patch_embed{s}.norm.weight'],
                         state[f'patch_embed{s}.norm.bias'])  # nn.LayerNorm: eps 1e-5
        for j in range(depth):
            p = f'block{s}.{j}.'

            def ln(y, name, eps=1e-6):
                return F.layer_norm(y, (d, ), state[f'{p}{name}.weight'], state[f'{p}{name}.bias'],
                                    eps)

            y = ln(x, 'norm1')
            q = F.linear(y, state[f'{p}attn.q.weight'], state[f'{p}attn.q.bias'])
            q = q.reshape(b, -1, heads, d // heads).transpose(1, 2)
            kv_in = y
            if sr > 1:
                kv_in = F.conv2d(
                    y.transpose(1, 2).reshape(b, d, h, w),
                    state[f'{p}attn.sr.weight'],
                    state[f'{p}attn.sr.bias'],
                    stride=sr).flatten(2).transpose(1, 2)
                kv_in = ln(kv_in, 'attn.norm', eps=1e-5)  # nn.LayerNorm in their Attention
            kv = F.linear(kv_in, state[f'{p}attn.kv.weight'], state[f'{p}attn.kv.bias'])
            kv = kv.reshape(b, -1, 2, heads, d // heads).permute(2, 0, 3, 1, 4)
            attn = (q @ kv[0].transpose(-2, -1)) * (d // heads)**-0.5
            y = (attn.softmax(-1) @ kv[1]).transpose(1, 2).reshape(b, -1, d)
            x = x + F.linear(y, state[f'{p}attn.proj.weight'], state[f'{p}attn.proj.bias'])
            y = F.linear(ln(x, 'norm2'), state[f'{p}mlp.fc1.weight'], state[f'{p}mlp.fc1.bias'])
            hidden = y.shape[-1]
            y = F.conv2d(
                y.transpose(1, 2).reshape(b, hidden, h, w),
                state[f'{p}mlp.dwconv.dwconv.weight'],
                state[f'{p}mlp.dwconv.dwconv.bias'],
                padding=1,
                groups=hidden).flatten(2).transpose(1, 2)
            x = x + F.linear(F.gelu(y), state[f'{p}mlp.fc2.weight'], state[f'{p}mlp.fc2.bias'])
        x = F.layer_norm(x, (d, ), state[f'norm{s}.weight'], state[f'norm{s}.bias'], 1e-6)
        if s < len(PVT['dims']):
            x = x.transpose(1, 2).reshape(b, d, h, w)
    return x


def test_pvtv2_loaded_from_the_authors_file_computes_their_features(tmp_path):
    authors = materialise(pvt_shapes())
    path = save_authors_file(tmp_path / 'pvtv2_b2_fastmim_pixel_800e_finetune.pth', authors)
    backbone = MODELS.build(
        pvt_backbone(init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.')))
    backbone.init_weights()
    backbone.eval()
    img = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours = backbone(img)[-1].flatten(2).transpose(1, 2)
        theirs = authors_pvt_features(img, authors)
    # mmdet's PVTv2 normalises with eps 1e-6 where the authors' patch-embedding and
    # spatial-reduction norms use nn.LayerNorm's 1e-5: close, not bit-equal.
    assert torch.allclose(ours, theirs, atol=1e-4), (ours - theirs).abs().max()


@pytest.mark.parametrize('kind,backbone', [('swin-pretrain', swin_backbone),
                                           ('swin-finetune', swin_backbone),
                                           ('vit-finetune', vit_backbone)])
def test_loud_backbones_load_the_authors_files(tmp_path, kind, backbone):
    authors = materialise(CASES[kind][0]())
    path = save_authors_file(tmp_path / 'authors.pth', authors)
    model = MODELS.build(
        backbone(init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.')))
    model.init_weights()
    expected = {
        k[len('backbone.'):]: v
        for k, v in convert_official_fastmim(authors).items() if k.startswith('backbone.')
    }
    state = model.state_dict()
    for key, value in expected.items():
        assert torch.equal(state[key], value), key


# ---------------------------------------------------------------- refusals
def test_foreign_checkpoint_is_refused_naming_file_and_key(tmp_path):
    foreign = OrderedDict([('conv1.weight', torch.zeros(4, 3, 7, 7)), ('fc.bias', torch.zeros(4))])
    with pytest.raises(
            ValueError,
            match=r"resnet\.pth is not a checkpoint of the FastMIM .*"
            r"first key 'conv1\.weight'"):
        convert_official_fastmim(foreign, source='resnet.pth')
    # Through the loud loader a foreign file is not converted; the load still fails loudly.
    path = str(tmp_path / 'resnet.pth')
    torch.save(foreign, path)
    model = MODELS.build(swin_backbone(init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(ValueError, match=r'resnet\.pth'):
        model.init_weights()


def test_partial_checkpoint_is_refused_naming_file_and_key(tmp_path):
    authors = materialise(vit_shapes(32, finetune=False))
    del authors['blocks.1.mlp.fc2.weight']
    with pytest.raises(
            ValueError,
            match=r"part\.pth is not a complete .* vit-pretrain .*"
            r"'backbone\.layers\.1\.ffn\.layers\.1\.weight' \(authors key "
            r"'blocks\.1\.mlp\.fc2\.weight'\)"):
        convert_official_fastmim(authors, source='part.pth')
    # The loud loader refuses it too, with the file name.
    path = save_authors_file(tmp_path / 'part.pth', authors)
    model = MODELS.build(vit_backbone(init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(ValueError, match=r"part\.pth .*blocks\.1\.mlp\.fc2\.weight"):
        model.init_weights()


def test_unknown_and_wrong_keys_are_refused():
    authors = materialise(swin_final(finetune=False))
    authors['encoder.absolute_pos_embed'] = torch.zeros(1, 1024, 16)
    with pytest.raises(ValueError, match=r"x\.pth: key 'encoder\.absolute_pos_embed'"):
        convert_official_fastmim(authors, source='x.pth')
    pvt = materialise(pvt_shapes())
    del pvt['block2.1.attn.kv.bias']
    with pytest.raises(ValueError, match=r"lacks 'block2\.1\.attn\.kv\.bias'"):
        convert_official_fastmim(pvt)
    mae = materialise(vit_shapes(32, finetune=False))
    mae['mask_token'] = torch.zeros(1, 1, DECODER['dim'])
    with pytest.raises(ValueError, match=r'mask_token has shape \(1, 1, 16\)'):
        convert_official_fastmim(mae)
    shuffled = materialise(swin_final(finetune=True))
    key = 'layers.0.blocks.1.attn.relative_position_index'
    shuffled[key] = shuffled[key].flip(0)
    with pytest.raises(ValueError, match='relative_position_index'):
        convert_official_fastmim(shuffled)
    with pytest.raises(ValueError, match='swin-finetune checkpoint, not vit-finetune'):
        convert_official_fastmim(materialise(swin_final(finetune=True)), kind='vit-finetune')


def test_a_backbone_of_another_family_refuses_the_file(tmp_path):
    path = save_authors_file(tmp_path / 'swin.pth', materialise(swin_final(finetune=True)))
    model = MODELS.build(vit_backbone(init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(ValueError, match=r'swin\.pth is an authors. FastMIM swin-finetune'):
        model.init_weights()


def test_relative_position_index_may_be_absent():
    authors = materialise(swin_final(finetune=True))
    authors = OrderedDict((k, v) for k, v in authors.items() if 'relative_position_index' not in k)
    converted = convert_official_fastmim(authors)
    classifier(swin_backbone(), SWIN['dim'] * 8).load_state_dict(converted, strict=True)


# ---------------------------------------------------------------- the command-line tool
@pytest.mark.parametrize('kind', ['swin-pretrain', 'pvtv2-finetune'])
def test_tool_converts_an_authors_file(tmp_path, run_script, kind):
    shapes, build = CASES[kind]
    src = save_authors_file(tmp_path / 'authors.pth', materialise(shapes()))
    dst = str(tmp_path / 'out' / 'ours.pth')
    run_script(TOOL, [src, dst, '--kind', kind])
    checkpoint = torch.load(dst, weights_only=True)
    build().load_state_dict(checkpoint['state_dict'], strict=True)
    assert kind in checkpoint['meta']['converter']
    assert os.listdir(osp.dirname(dst)) == ['ours.pth']  # no temporary file left


def test_tool_writes_nothing_when_the_conversion_fails(tmp_path, run_script):
    authors = materialise(vit_shapes(32, finetune=True))
    del authors['fc_norm.bias']
    src = save_authors_file(tmp_path / 'broken.pth', authors)
    dst = tmp_path / 'ours.pth'
    with pytest.raises(ValueError, match=r"broken\.pth .*fc_norm\.bias"):
        run_script(TOOL, [src, str(dst)])
    with pytest.raises(ValueError, match=r'not vit-pretrain'):
        run_script(TOOL, [
            save_authors_file(tmp_path / 'ft.pth', materialise(vit_shapes(32, finetune=True))),
            str(dst), '--kind', 'vit-pretrain'
        ])
    foreign = tmp_path / 'foreign.pth'
    torch.save({'conv1.weight': torch.zeros(1)}, foreign)
    with pytest.raises(ValueError, match=r"foreign\.pth .*'conv1\.weight'"):
        run_script(TOOL, [str(foreign), str(dst)])
    assert sorted(os.listdir(tmp_path)) == ['broken.pth', 'foreign.pth', 'ft.pth']
