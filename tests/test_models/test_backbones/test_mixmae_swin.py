import pytest
import torch

from mixmim_mm.models.backbones import MixMAESwinTransformer
from mixmim_mm.models.utils import mixing_plan, sample_group_ids

MINI = dict(arch='mini', img_size=128, window_size=(8, 8, 8, 4))


def mixed_forward(model, images, ids):
    return model(images, mixing_plan(len(images), 2, 'group'), ids)


@pytest.mark.parametrize('separation, isolated', [('masked_attention', True), ('none', False)])
def test_tokens_only_see_their_own_image(separation, isolated):
    torch.manual_seed(0)
    model = MixMAESwinTransformer(**MINI, separation=separation).eval()
    model.init_weights()
    images = torch.randn(2, 3, 128, 128)
    ids = sample_group_ids(1, (4, 4), 2)
    base = mixed_forward(model, images, ids)
    changed = images.clone()
    changed[1] = torch.randn(3, 128, 128)  # image 1 only shows where ids == 1
    out = mixed_forward(model, changed, ids)
    own = (ids.flatten(1) == 0)[0]
    same = torch.allclose(out[0, own], base[0, own], atol=1e-5)
    assert same == isolated
    assert not torch.allclose(out[0, ~own], base[0, ~own], atol=1e-5)


def test_mix_embedding_is_added_per_stage():
    model = MixMAESwinTransformer(**MINI, separation='mix_embedding')
    assert len(model.mix_embeds) == 4 and model.mix_embeds[2].shape == (5, 128)
    out = mixed_forward(model, torch.randn(2, 3, 128, 128), sample_group_ids(1, (4, 4), 2))
    assert out.shape == (1, 16, 256)


def test_multi_scale_outputs_pad_odd_sizes():
    model = MixMAESwinTransformer(**MINI, out_indices=(0, 1, 2, 3))
    outs = model(torch.randn(2, 3, 100, 130))
    assert [tuple(o.shape) for o in outs] == [(2, 32, 25, 33), (2, 64, 13, 17), (2, 128, 7, 9),
                                              (2, 256, 4, 5)]


def test_per_block_window_override():
    model = MixMAESwinTransformer(arch='mini', img_size=128, window_size=(8, 8, [4, 8], 4))
    assert [b.window_size for b in model.stages[2].blocks] == [4, 8]
    assert model.stages[2].blocks[0].attn.relative_position_bias_table.shape == (49, 4)


@pytest.mark.parametrize('kwargs, match', [
    (dict(img_size=112), 'not divisible by mask_unit'),
    (dict(window_size=(6, 8, 8, 4)), 'window_size 6 of stage 0'),
    (dict(window_size=(8, 8, 8)), 'one entry per stage'),
    (dict(window_size=(8, 8, [8], 4)), r'window_size\[2\]'),
    (dict(mask_unit=48), 'multiple of the encoder stride'),
    (dict(separation='mixup'), 'separation'),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixMAESwinTransformer(**{**MINI, **kwargs})


def test_frozen_stages_stop_gradients():
    model = MixMAESwinTransformer(**MINI, frozen_stages=1)
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.stages[1].parameters())
    assert all(p.requires_grad for p in model.stages[2].parameters())
    assert not model.stages[0].training and model.stages[2].training


def test_larger_input_resizes_position_embedding():
    model = MixMAESwinTransformer(**MINI)
    assert model.pos_embed_for((48, 40)).shape == (1, 48, 40, 32)
    assert model(torch.randn(1, 3, 192, 160))[0].shape == (1, 256, 6, 5)


def test_checkpoint_with_another_window_is_resized_on_load():
    src = MixMAESwinTransformer(**MINI)
    dst = MixMAESwinTransformer(arch='mini', img_size=128, window_size=(16, 16, 16, 8))
    result = dst.load_state_dict(src.state_dict(), strict=True)
    assert not result.missing_keys
    assert dst.stages[0].blocks[0].attn.relative_position_bias_table.shape == (31 * 31, 1)


def test_layer_depth_follows_blocks():
    model = MixMAESwinTransformer(**MINI)
    total = sum(model.depths) + 2
    assert model.get_layer_depth('backbone.patch_embed.proj.weight', 'backbone.') == (0, total)
    assert model.get_layer_depth('backbone.stages.2.blocks.1.attn.qkv.weight',
                                 'backbone.') == (4, total)
    assert model.get_layer_depth('backbone.stages.1.downsample.reduction.weight',
                                 'backbone.') == (2, total)
    assert model.get_layer_depth('head.fc.weight', 'backbone.') == (total - 1, total)


def forward_and_grads(model, images, ids):
    """Outputs of a plain and a mixed forward, and the gradients of their sum."""
    model.zero_grad()
    torch.manual_seed(1)  # same drop-path draws in both runs
    outs = [*model(images), mixed_forward(model, images, ids)]
    sum(o.square().sum() for o in outs).backward()
    return outs, {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_gradient_checkpointing_changes_nothing_but_memory(monkeypatch):
    from mixmim_mm.models.backbones import mixmae_swin
    torch.manual_seed(0)
    kwargs = dict(MINI, out_indices=(0, 1, 2, 3), drop_path_rate=0.2)
    plain, checkpointed = MixMAESwinTransformer(**kwargs), MixMAESwinTransformer(
        **kwargs, with_cp=True)
    plain.init_weights()
    checkpointed.load_state_dict(plain.state_dict())
    calls = []
    checkpoint = mixmae_swin.cp.checkpoint
    monkeypatch.setattr(mixmae_swin.cp, 'checkpoint',
                        lambda *args, **kw: calls.append(1) or checkpoint(*args, **kw))
    images, ids = torch.randn(2, 3, 128, 128), sample_group_ids(1, (4, 4), 2)
    expected_outs, expected_grads = forward_and_grads(plain.train(), images, ids)
    assert not calls
    outs, grads = forward_and_grads(checkpointed.train(), images, ids)
    assert len(calls) == 2 * 5  # every block of both forwards ran checkpointed
    for out, expected in zip(outs, expected_outs):
        assert torch.allclose(out, expected, atol=1e-6)
    assert set(grads) == set(expected_grads) and 'stages.0.blocks.0.attn.qkv.weight' in grads
    for name, grad in grads.items():
        assert torch.allclose(grad, expected_grads[name], atol=1e-5), name


def test_drop_path_rate_grows_linearly_over_all_blocks():
    model = MixMAESwinTransformer(
        arch=dict(embed_dims=32, depths=(2, 2, 3, 2), num_heads=(1, 2, 4, 8)),
        img_size=128,
        window_size=(8, 8, 8, 4),
        drop_path_rate=0.4)
    rates = [
        getattr(block.drop_path, 'drop_prob', 0.) for stage in model.stages
        for block in stage.blocks
    ]
    assert rates == pytest.approx([0.4 * i / 8 for i in range(9)])
    assert isinstance(model.stages[0].blocks[0].drop_path, torch.nn.Identity)


def test_frozen_stages_freeze_their_output_norms():
    model = MixMAESwinTransformer(**MINI, out_indices=(0, 1, 2, 3), frozen_stages=1)
    model.train()
    for i, frozen in enumerate((True, True, False, False)):
        norm = getattr(model, f'norm{i}')
        assert all(p.requires_grad != frozen for p in norm.parameters()), i
        assert norm.training != frozen, i
