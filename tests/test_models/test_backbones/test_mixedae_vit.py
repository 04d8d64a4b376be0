"""MixedAEViT: TopK after a global first layer, segment embeddings at every layer, plain ViT
keys."""
import pytest
import torch
from mmpretrain.models.backbones import VisionTransformer

from mixmim_mm.models.backbones import MixedAEViT

ARCH = dict(embed_dims=32, num_layers=3, num_heads=4, feedforward_channels=64)


def build(**kwargs):
    torch.manual_seed(0)
    model = MixedAEViT(arch=ARCH, img_size=64, patch_size=16, **kwargs)
    model.init_weights()
    return model


def source_ids(m=2, side=4):
    return torch.randint(0, 4, (m, side, side), generator=torch.Generator().manual_seed(0))


def spy_attention(model):
    calls = []
    for i, layer in enumerate(model.layers):
        forward = layer.attn.forward

        def spy(x, i=i, forward=forward, **kwargs):
            calls.append((i, x.shape[1], kwargs))
            return forward(x, **kwargs)

        layer.attn.forward = spy
    return calls


@pytest.mark.parametrize('img,tokens,k', [(64, 17, 4), (96, 37, 9)])
def test_first_layer_is_global_and_k_follows_the_run_time_token_count(img, tokens, k):
    model = build()
    calls = spy_attention(model)
    model(torch.randn(2, 3, img, img), source_ids(side=img // 16))
    assert [c[2]['top_k'] for c in calls] == [None, k, k]
    assert all(c[1] == tokens for c in calls)


def test_topk_in_all_layers_and_other_ratios():
    model = build(num_global_layers=0, topk_ratio=0.5)
    calls = spy_attention(model)
    model(torch.randn(2, 3, 64, 64), source_ids())
    assert [c[2]['top_k'] for c in calls] == [8, 8, 8]


def test_masked_control_uses_the_mixing_mask_instead_of_topk():
    model = build(attention='masked')
    calls = spy_attention(model)
    ids = source_ids()
    model(torch.randn(2, 3, 64, 64), ids)
    assert all(c[2]['top_k'] is None and c[2]['attn_mask'] is not None for c in calls)
    mask = calls[1][2]['attn_mask'][:, 0]
    tok = ids.flatten(1)
    assert torch.equal(mask[:, 1:, 1:], tok[:, :, None] == tok[:, None, :])
    assert mask[:, 0].all()  # the class token's query sees everything
    assert not mask[:, 1:, 0].any()  # no patch reads the class token


@pytest.mark.parametrize('attention, leaks', [('masked', False), ('topk', True)])
def test_masked_control_isolates_the_images_of_a_mixed_input(attention, leaks):
    # Changing the pixels of image 1 changes no patch token of image 0 under the masked
    # control (every layer masked, the class token read by nobody); TopK attention mixes.
    model = build(attention=attention)
    model.eval()  # MMPretrain backbones' train() returns None
    ids = torch.tensor([[[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]]])
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    pixels_of_1 = ids.repeat_interleave(16, 1).repeat_interleave(16, 2)[:, None] == 1
    changed = torch.where(pixels_of_1, x + 3 * torch.randn_like(x), x)
    with torch.no_grad():
        before, after = model(x, ids)[:, 1:], model(changed, ids)[:, 1:]
    of_0 = ids.flatten(1)[0] == 0
    difference = (before[0, of_0] - after[0, of_0]).abs().max().item()
    assert (difference > 1e-3) if leaks else (difference < 1e-5)
    assert (before[0, ~of_0] - after[0, ~of_0]).abs().max() > 1e-3


def test_segment_embeddings_are_added_at_every_layer_input_and_not_to_the_class_token():
    models = [build(segment_embed=flag) for flag in (True, False)]
    finals = []
    for model in models:  # identity layers: the stream is the input plus the embeddings
        for layer in model.layers:
            torch.nn.init.zeros_(layer.attn.proj.weight)
            torch.nn.init.zeros_(layer.attn.proj.bias)
            torch.nn.init.zeros_(layer.ffn.layers[1].weight)
            torch.nn.init.zeros_(layer.ffn.layers[1].bias)
        seen = []
        model.ln1.register_forward_hook(lambda mod, inp, out, seen=seen: seen.append(inp[0]))
        ids = source_ids()
        with torch.no_grad():
            model(torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)), ids)
        finals.append(seen[0])
    added = finals[0] - finals[1]
    assert torch.allclose(added[:, 0], torch.zeros(2, 32), atol=1e-6)
    expected = 3 * models[0].segment_table[ids.flatten(1) + 1]
    assert torch.allclose(added[:, 1:], expected, atol=1e-5)
    # Distinct images get distinct embeddings.
    table = models[0].segment_table[1:5]
    assert torch.cdist(table, table).add(torch.eye(4)).min() > 0.1


def test_without_sources_it_is_mmpretrains_vit_with_the_same_weights():
    model = build()
    vit = VisionTransformer(arch=ARCH, img_size=64, patch_size=16, out_type='raw')
    vit.load_state_dict(model.state_dict(), strict=True)
    model.eval()
    vit.eval()  # MMPretrain's train() returns None
    x = torch.randn(2, 3, 64, 64)
    assert torch.allclose(model(x)[0], vit(x)[0], atol=1e-5)


def test_global_mode_without_segments_equals_the_plain_vit_on_the_mixed_image():
    model = build(attention='global', segment_embed=False)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    assert torch.allclose(model(x, source_ids()), model(x)[0], atol=1e-5)


def test_sampling_accuracy_is_recorded_for_topk_layers_in_training_only():
    model = build()
    model.train()
    model(torch.randn(2, 3, 64, 64), source_ids())
    acc = model.topk_accuracies()
    assert sorted(acc) == ['topk_acc_layer2', 'topk_acc_layer3']
    assert all(0 <= float(v) <= 1 for v in acc.values())
    model.eval()
    model(torch.randn(2, 3, 64, 64), source_ids())
    assert model.topk_accuracies() == {}


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match='attention'):
        build(attention='window')
    with pytest.raises(ValueError, match='num_global_layers'):
        build(num_global_layers=4)
    with pytest.raises(ValueError, match='ratio'):
        build(topk_ratio=1.5)
    with pytest.raises(ValueError, match='patch grid'):
        build()(torch.randn(2, 3, 64, 64), source_ids(side=3))


def test_pretrained_init_loads_loudly(tmp_path):
    from mixmim_mm.converters import save_checkpoint_file
    source = build()
    state = {f'backbone.{k}': v + 1 for k, v in source.state_dict().items()}
    state['neck.mask_token'] = torch.zeros(1, 1, 8)
    save_checkpoint_file(state, str(tmp_path / 'full.pth'))
    model = MixedAEViT(
        arch=ARCH,
        img_size=64,
        init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'full.pth'), prefix='backbone.'))
    model.init_weights()
    for key, value in model.state_dict().items():
        assert torch.equal(value, state['backbone.' + key]), key
    del state['backbone.layers.2.ffn.layers.1.weight']
    save_checkpoint_file(state, str(tmp_path / 'cut.pth'))
    model = MixedAEViT(
        arch=ARCH,
        img_size=64,
        init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'cut.pth'), prefix='backbone.'))
    with pytest.raises(ValueError, match='cut.pth lacks'):
        model.init_weights()
