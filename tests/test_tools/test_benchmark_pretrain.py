"""The pretraining benchmark: suites select rows, MAE/PixMIM rows run and time the target."""
import importlib
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

import mixmim_mm  # noqa: F401

SCRIPT = Path(__file__).parents[2] / 'tools' / 'analysis_tools' / 'benchmark_pretrain.py'


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('benchmark_pretrain', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_run_is_the_mixmae_suite(bench):
    args = bench.parse_args([])
    assert args.suite == 'mixmae' and args.rows is None
    assert bench.suite_rows(args.suite) == [
        'ours_flip_2img', 'ours_flip_2img_sdpa', 'ours_group_4img', 'mmpretrain_mixmim',
        'mmpretrain_simmim'
    ]


def test_pixmim_suite_holds_mae_and_pixmim(bench):
    assert bench.suite_rows('pixmim') == [
        'mmpretrain_mae_vit-b', 'pixmim_mae_vit-b', 'pixmim_loader_model_lp',
        'pixmim_loader_pipe_lp'
    ]
    assert set(bench.suite_rows('all')) == set(bench.ROWS)


def run(bench, row):
    # A small ViT at 32 px keeps this to a second; the CLI default is ViT-B at 224.
    args = bench.parse_args([
        '--row', row, '--vit-arch', 'deit-tiny', '--img-size', '32', '--batch-size', '2', '--steps',
        '1', '--warmup', '0', '--device', 'cpu'
    ])
    return bench.run_row(args)


@pytest.mark.slow
@pytest.mark.parametrize('row', [
    'ours_flip_2img', 'ours_flip_2img_sdpa', 'ours_group_4img', 'mmpretrain_mixmim',
    'mmpretrain_simmim'
])
def test_mixmae_rows_run_a_timed_step(bench, row):
    # The mini Swin keeps this to seconds; the CLI default is Swin-B/W14 at 224.
    args = bench.parse_args([
        '--row', row, '--arch', 'mini', '--batch-size', '4', '--steps', '1', '--warmup', '0',
        '--device', 'cpu'
    ])
    result = bench.run_row(args)
    assert result['name'] == row and result['suite'] == 'mixmae'
    assert result['step_time_s'] > 0 and result['images_per_s'] == 4 / result['step_time_s']
    # In this (test) process memory freed by earlier tests stays resident and may be reused,
    # so only the fresh-process run below shows what a row adds.
    assert result['peak_mem_mb'] < result['process_peak_mb']


@pytest.mark.slow
def test_a_row_in_a_fresh_process_reports_what_it_added(bench):
    args = bench.parse_args(
        ['--arch', 'mini', '--batch-size', '4', '--steps', '1', '--warmup', '0', '--device', 'cpu'])
    result = bench.run_isolated(args, 'ours_group_4img', 'bf16')
    assert result['name'] == 'ours_group_4img' and result['precision'] == 'bf16'
    # Peak minus the post-import baseline: what the model and its steps added.
    assert 0 < result['peak_mem_mb'] < result['process_peak_mb']


def test_mixmae_rows_share_the_encoder_size(bench):
    args = bench.parse_args(['--arch', 'mini'])
    counts = {}
    for row in ('ours_flip_2img', 'ours_group_4img', 'mmpretrain_mixmim'):
        model, _ = bench.ROWS[row](args)
        counts[row] = sum(p.numel() for p in model.backbone.parameters() if p.requires_grad)
    assert len(set(counts.values())) == 1, counts


def test_group_row_needs_a_batch_divisible_by_4(bench):
    with pytest.raises(SystemExit, match='multiple of 4'):
        bench.main(['--rows', 'ours_group_4img', '--batch-size', '6'])


@pytest.mark.slow
def test_pixmim_row_times_its_target_generator_and_mae_row_has_none(bench, capsys):
    mae, pixmim = run(bench, 'mmpretrain_mae_vit-b'), run(bench, 'pixmim_mae_vit-b')
    assert mae['suite'] == pixmim['suite'] == 'pixmim'
    assert 'target_generator_s' not in mae
    assert pixmim['target_generator_s'] > 0
    bench.print_table([mae, pixmim])
    out = capsys.readouterr().out
    assert 'pixmim rows vs mmpretrain_mae_vit-b' in out
    assert 'pixmim_mae_vit-b (fp32): target generator alone' in out
    assert '% of the mmpretrain_mae_vit-b step' in out


def test_pixmim_row_is_mae_plus_low_pass_target(bench):
    args = bench.parse_args(['--vit-arch', 'deit-tiny', '--img-size', '32'])
    mae, _ = bench.ROWS['mmpretrain_mae_vit-b'](args)
    pixmim, _ = bench.ROWS['pixmim_mae_vit-b'](args)
    assert type(mae).__name__ == 'MAE' and type(pixmim).__name__ == 'PixMIM'
    assert type(pixmim.target_generator).__name__ == 'LowPassTargetGenerator'
    assert pixmim.target_generator.mean is not None  # read from the normalising preprocessor
    assert mae.backbone.mask_ratio == pixmim.backbone.mask_ratio == 0.75
    assert mae.head.norm_pix and pixmim.head.norm_pix
    assert sum(p.numel() for p in mae.parameters()) == sum(p.numel() for p in pixmim.parameters())


@pytest.mark.slow
def test_loader_row_times_steps_on_batches_from_two_workers(bench):
    # The pipeline-side row: its target is made in the workers, so there is nothing to time
    # alone (the model-side row times its generator like pixmim_mae_vit-b).
    row = run(bench, 'pixmim_loader_pipe_lp')
    assert row['suite'] == 'pixmim' and row['step_time_s'] > 0
    assert 'target_generator_s' not in row


def test_loader_rows_differ_only_in_where_the_target_is_made(bench):
    args = bench.parse_args(['--vit-arch', 'deit-tiny', '--img-size', '32', '--batch-size', '2'])
    (model_side, make_plain), (pipeline_side,
                               make_piped) = (bench.ROWS['pixmim_loader_model_lp'](args),
                                              bench.ROWS['pixmim_loader_pipe_lp'](args))
    assert not model_side.target_from_pipeline and pipeline_side.target_from_pipeline
    plain, piped = make_plain(), make_piped()
    assert plain.num_workers == piped.num_workers == 2
    # Same generated images and crop; only the piped samples carry the target.
    sample = piped.dataset[0]['data_samples']
    assert 'low_pass_target' not in plain.dataset[0]['data_samples']
    assert sample.get('low_pass_target').shape == (3, 32, 32)


def test_repeats_report_the_median_of_round_robin_runs(bench, monkeypatch, tmp_path):
    order, times = [], iter([3., 10., 0.3, 1., 20., 0.1, 2., 30., 0.2])

    def fake_run(args, name, precision='fp32'):
        order.append(name)
        row = dict(
            name=name,
            batch_size=8,
            step_time_s=next(times),
            images_per_s=0.,
            peak_mem_mb=float(len(order)),
            device='cpu',
            threads=1,
            amp=False,
            img_size=224,
            arch='base',
            vit_arch='b',
            steps=1)
        if name == 'pixmim_mae_vit-b':
            row.update(suite='pixmim', target_generator_s=row['step_time_s'])
        return row

    monkeypatch.setattr(bench, 'run_isolated', fake_run)
    out = tmp_path / 'rows.json'
    bench.main([
        '--rows', 'ours_flip_2img', 'mmpretrain_mixmim', 'pixmim_mae_vit-b', '--repeats', '3',
        '--out',
        str(out)
    ])
    assert order == ['ours_flip_2img', 'mmpretrain_mixmim', 'pixmim_mae_vit-b'] * 3
    rows = {r['name']: r for r in json.loads(out.read_text())}
    assert rows['ours_flip_2img']['step_time_s'] == 2.
    assert rows['mmpretrain_mixmim']['step_time_runs_s'] == [10., 20., 30.]
    assert rows['mmpretrain_mixmim']['images_per_s'] == 8 / 20.
    assert rows['ours_flip_2img']['peak_mem_mb'] == 7.
    assert rows['pixmim_mae_vit-b']['target_generator_s'] == 0.2


def test_mixedae_suite_compares_mixedae_with_mae_per_image(bench):
    assert bench.suite_rows('mixedae') == [
        'mixedae_ref_mmpretrain_mae', 'mixedae_compose', 'mixedae_compose_no_diagnostic',
        'mixedae_naive_mixing'
    ]
    args = bench.parse_args(
        ['--suite', 'mixedae', '--vit-arch', 'deit-tiny', '--img-size', '64', '--batch-size', '8'])
    mae, _ = bench.ROWS['mixedae_ref_mmpretrain_mae'](args)
    mixedae, make_inputs = bench.ROWS['mixedae_compose'](args)
    naive, _ = bench.ROWS['mixedae_naive_mixing'](args)
    assert type(mixedae).__name__ == 'MixedAE' and mixedae.mix_mode == 'compose'
    assert make_inputs()[0].shape == (8, 3, 64, 64)  # the same images as MAE: per image
    assert mixedae.backbone.embed_dims == mae.backbone.embed_dims
    assert len(mixedae.neck.decoder_blocks) == len(mae.neck.decoder_blocks) == 8
    assert naive.backbone.attention == 'global' and naive.contrastive_head is None


@pytest.mark.slow
def test_mixedae_rows_run_a_timed_step(bench):
    args = bench.parse_args([
        '--row', 'mixedae_compose', '--vit-arch', 'deit-tiny', '--img-size', '64', '--batch-size',
        '4', '--steps', '1', '--warmup', '0', '--device', 'cpu'
    ])
    result = bench.run_row(args)
    assert result['suite'] == 'mixedae' and result['step_time_s'] > 0


def test_mixedae_rows_need_groups_of_4(bench):
    args = bench.parse_args(['--vit-arch', 'deit-tiny', '--img-size', '64', '--batch-size', '6'])
    with pytest.raises(SystemExit, match='multiple of 4'):
        bench.ROWS['mixedae_compose'](args)


def test_fastmim_suite_rows(bench):
    assert bench.suite_rows('fastmim') == [
        'fastmim_vit_128', 'mmpretrain_mae_vit_224', 'mmpretrain_maskfeat_vit_224',
        'fastmim_swin_128', 'mmpretrain_simmim_swin_192', 'mmpretrain_simmim_swin_224',
        'fastmim_loader_model_hog', 'fastmim_loader_pipe_hog'
    ]
    assert bench.SUITE_REFERENCES['fastmim'] == 'mmpretrain_simmim_swin_224'


@pytest.mark.slow
@pytest.mark.parametrize('row,size', [('fastmim_vit_128', 128),
                                      ('mmpretrain_maskfeat_vit_224', 224)])
def test_fastmim_rows_run_at_their_own_size(bench, row, size):
    # Tiny encoders; each row keeps its own input size whatever --img-size says.
    args = bench.parse_args([
        '--row', row, '--vit-arch', 'deit-tiny', '--arch', 'tiny', '--img-size', '32',
        '--batch-size', '2', '--steps', '1', '--warmup', '0', '--device', 'cpu'
    ])
    result = bench.run_row(args)
    assert result['suite'] == 'fastmim' and result['img_size'] == size
    assert result['encoder_gflops'] > 0
    assert result['target_generator_s'] > 0  # HOG alone: FastMIM's and MaskFeat's


@pytest.mark.slow
def test_fastmim_encoder_flops_match_the_spec(bench):
    # Standard-formula MACs (shared/specs/fastmim.md 3.2): ViT-B 128 px about 5.6 G, Swin-B
    # 128 px / window 4 about 5.0 G, 224 px / window 7 about 15.4 G.
    args = bench.parse_args(['--vit-arch', 'b', '--arch', 'base'])
    suite = importlib.import_module('benchmark_suites.fastmim')
    expected = {'fastmim_vit_128': 5.6, 'fastmim_swin_128': 5.0, 'mmpretrain_simmim_swin_224': 15.4}
    for row, gmacs in expected.items():
        model, _ = bench.ROWS[row](args)
        assert model.benchmark_encoder_gflops == pytest.approx(gmacs, rel=0.05), row
    assert suite.SIMMIM_REFERENCE_ROW == 'mmpretrain_simmim_swin_224'


def test_mixmae_backbones_suite_pairs_each_encoder_with_its_own_reference(bench):
    rows = bench.suite_rows('mixmae-backbones')
    for encoder in ('pvt-l', 'svt-l', 'vit-b'):
        assert bench.ROW_REFERENCES[f'mixmae_group_4img_{encoder}'] == \
            f'simmim_style_{encoder}'
        assert {f'mixmae_group_4img_{encoder}', f'simmim_style_{encoder}'} <= set(rows)


@pytest.mark.parametrize('row', [
    'mixmae_group_4img_pvt-l', 'simmim_style_pvt-l', 'mixmae_group_4img_svt-l',
    'simmim_style_svt-l', 'mixmae_group_4img_vit-b', 'simmim_style_vit-b'
])
def test_mixmae_backbones_rows_run_a_timed_step_on_mini_encoders(bench, row):
    args = bench.parse_args([
        '--row', row, '--arch', 'mini', '--img-size', '64', '--batch-size', '4', '--steps', '1',
        '--warmup', '0', '--device', 'cpu'
    ])
    result = bench.run_row(args)
    assert result['suite'] == 'mixmae-backbones' and result['step_time_s'] > 0
    assert 0 < result['optimizer_time_s'] < result['step_time_s']
    assert result['train_gflops_per_image'] > 0


def test_both_precisions_run_ours_twice_and_mmpretrain_in_fp32(bench):
    names = ['ours_group_4img', 'mmpretrain_mixmim']
    args = bench.parse_args(['--precision', 'fp32', 'bf16'])
    assert bench.row_runs(names, args) == [('ours_group_4img', 'fp32'), ('ours_group_4img', 'bf16'),
                                           ('mmpretrain_mixmim', 'fp32')]
    args = bench.parse_args(['--precision', 'fp32', 'bf16', '--bf16-references'])
    assert ('mmpretrain_mixmim', 'bf16') in bench.row_runs(names, args)
    assert bench.parse_args([]).precision == ['fp32']


@pytest.mark.slow
def test_bf16_row_runs_its_forward_under_bf16_autocast(bench, monkeypatch):
    build = bench.ROWS['ours_group_4img']
    dtypes = []

    def build_and_watch(args):
        model, make_inputs = build(args)
        model.neck.register_forward_hook(lambda m, a, out: dtypes.append(out.dtype))
        return model, make_inputs

    monkeypatch.setitem(bench.ROWS, 'ours_group_4img', build_and_watch)
    args = bench.parse_args([
        '--row', 'ours_group_4img', '--arch', 'mini', '--batch-size', '4', '--steps', '1',
        '--warmup', '0', '--device', 'cpu', '--precision', 'bf16'
    ])
    result = bench.run_row(args)
    assert result['precision'] == 'bf16'
    # The untimed FLOP-counting pass and the one timed step both run in bf16.
    assert dtypes == [torch.bfloat16] * 2


def test_table_and_json_carry_precision_and_ratios(bench, monkeypatch, tmp_path, capsys):
    times = {
        ('ours_group_4img', 'fp32'): 2.,
        ('ours_group_4img', 'bf16'): 1.,
        ('mmpretrain_mixmim', 'fp32'): 4.
    }

    def fake_run(args, name, precision='fp32'):
        return dict(
            name=name,
            suite='mixmae',
            batch_size=8,
            precision=precision,
            step_time_s=times[name, precision],
            images_per_s=0.,
            peak_mem_mb=1.,
            device='cpu',
            threads=1,
            amp=False,
            img_size=224,
            arch='base',
            vit_arch='b',
            steps=1,
            allocator='glibc default' if name.startswith('mmpretrain') else 'retain freed memory')

    monkeypatch.setattr(bench, 'run_isolated', fake_run)
    out = tmp_path / 'rows.json'
    bench.main([
        '--rows', 'ours_group_4img', 'mmpretrain_mixmim', '--precision', 'fp32', 'bf16', '--out',
        str(out)
    ])
    rows = json.loads(out.read_text())
    assert [(r['name'], r['precision']) for r in rows] == list(times)
    table = capsys.readouterr().out
    bf16_line = next(line for line in table.splitlines()
                     if line.startswith('ours_group_4img') and 'bf16' in line)
    # step/ref against MMPretrain's fp32 step (1/4), vs fp32 against our fp32 step (1/2).
    # then GFLOP/img, flop/ref, enc GFLOPs (not reported by these fake rows)
    assert bf16_line.split()[-6:-3] == ['0.250', '0.250', '0.500']
    assert ('allocator: retain freed memory: ours_group_4img; glibc default: mmpretrain_mixmim'
            in table)


def test_fastmim_loader_rows_differ_only_in_where_the_hog_target_is_made(bench):
    args = bench.parse_args(['--vit-arch', 'deit-tiny', '--batch-size', '2'])
    (model_side, make_plain), (pipeline_side,
                               make_piped) = (bench.ROWS['fastmim_loader_model_hog'](args),
                                              bench.ROWS['fastmim_loader_pipe_hog'](args))
    assert not model_side.target_from_pipeline and pipeline_side.target_from_pipeline
    assert type(model_side.target_generator).__name__ == 'HOGTargetGenerator'
    plain, piped = make_plain(), make_piped()
    assert plain.num_workers == piped.num_workers == 2
    sample = piped.dataset[0]
    assert 'hog_target' not in plain.dataset[0]['data_samples']
    assert sample['inputs'].shape == (3, 128, 128)
    assert sample['data_samples'].get('hog_target').shape == (64, 108)


@pytest.mark.slow
def test_fastmim_loader_pipe_row_runs_a_timed_step(bench):
    args = bench.parse_args([
        '--row', 'fastmim_loader_pipe_hog', '--vit-arch', 'deit-tiny', '--batch-size', '2',
        '--steps', '1', '--warmup', '0', '--device', 'cpu'
    ])
    row = bench.run_row(args)
    assert row['suite'] == 'fastmim' and row['img_size'] == 128 and row['step_time_s'] > 0
    assert 'target_generator_s' not in row


class LinearLoss(torch.nn.Module):
    """``loss`` = sum of one linear layer's outputs; its FLOPs are known in closed form."""

    def __init__(self, attention: bool = False):
        super().__init__()
        self.proj = torch.nn.Linear(16, 48)
        self.attention = attention

    def loss(self, inputs, data_samples=None):
        out = self.proj(inputs)
        if self.attention:  # (B, L, 48) -> q, k, v of 2 heads of 8
            q, k, v = (t.unflatten(-1, (2, 8)).transpose(1, 2) for t in out.chunk(3, -1))
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        return dict(loss=out.sum(), acc=out.mean())


def test_step_flops_count_forward_and_backward_matmuls(bench):
    # Forward x @ W.T and the weight gradient; the input needs no gradient.
    flops = bench.count_step_flops(LinearLoss(), torch.randn(5, 7, 16), [])
    assert flops == 2 * (2 * 5 * 7 * 16 * 48)


def test_step_flops_count_attention_on_cpu(bench):
    from torch.utils.flop_counter import sdpa_backward_flop_count, sdpa_flop_count
    flops = bench.count_step_flops(LinearLoss(attention=True), torch.randn(5, 7, 16), [])
    shape = (5, 2, 7, 8)
    attention = sdpa_flop_count(shape, shape, shape) + \
        sdpa_backward_flop_count(shape, shape, shape, shape)
    linear = 2 * (2 * 5 * 7 * 16 * 48)
    assert flops == linear + attention


def test_several_batch_sizes_pair_each_row_with_the_reference_at_its_size(
        bench, monkeypatch, tmp_path, capsys):

    def fake_run(args, name, precision='fp32'):
        # Per image the reference costs 1 s at 8 and 2 s at 16; ours 0.5 s at 8, 0.25 s at 16.
        per_image = args.batch_size / 8 if name == 'simmim_style_pvt-l' else 4. / args.batch_size
        return dict(
            name=name,
            suite='mixmae-backbones',
            batch_size=args.batch_size,
            precision=precision,
            step_time_s=per_image * args.batch_size,
            images_per_s=0.,
            peak_mem_mb=1.,
            device='cpu',
            threads=1,
            amp=False,
            img_size=224,
            arch='base',
            vit_arch='b',
            steps=1,
            allocator='glibc default' if name.startswith('mmpretrain') else 'retain freed memory')

    monkeypatch.setattr(bench, 'run_isolated', fake_run)
    out = tmp_path / 'rows.json'
    bench.main([
        '--rows', 'mixmae_group_4img_pvt-l', 'simmim_style_pvt-l', '--batch-size', '8', '16',
        '--out',
        str(out)
    ])
    rows = json.loads(out.read_text())
    assert [(r['name'], r['batch_size']) for r in rows] == [('mixmae_group_4img_pvt-l', 8),
                                                            ('simmim_style_pvt-l', 8),
                                                            ('mixmae_group_4img_pvt-l', 16),
                                                            ('simmim_style_pvt-l', 16)]
    lines = [
        line.split() for line in capsys.readouterr().out.splitlines()
        if line.startswith('mixmae_group_4img_pvt-l')
    ]
    assert [(line[3], line[9]) for line in lines] == [('8', '0.500'), ('16', '0.125')]


def test_a_single_row_runs_one_batch_size(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(['--row', 'simmim_style_pvt-l', '--batch-size', '8', '16'])


def test_every_row_names_a_config_with_an_optimizer(bench):
    from mmengine.config import Config
    from mmengine.hub import get_config
    for row in bench.ROWS:
        path = bench.optim_config_of(row)
        cfg = get_config(path) if '::' in path else Config.fromfile(
            str(Path(bench.REPO_ROOT) / path))
        # MMPretrain's rows (e.g. mmpretrain_mixmim, mixedae_ref_mmpretrain_mae) train as shipped.
        expected = 'AdamW' if 'mmpretrain' in row else 'FastAdamW'
        assert cfg.optim_wrapper.optimizer.type == expected, (row, path)


def test_ours_steps_with_the_fused_adamw_and_mmpretrain_with_its_own(bench):
    args = bench.parse_args(['--arch', 'mini', '--batch-size', '4'])
    ours, _ = bench.ROWS['ours_group_4img'](args)
    theirs, _ = bench.ROWS['mmpretrain_mixmim'](args)
    ours_opt = bench.build_row_optimizer(ours, 'ours_group_4img')
    theirs_opt = bench.build_row_optimizer(theirs, 'mmpretrain_mixmim')
    assert bench.optimizer_name(ours_opt) == 'FastAdamW (fused)'
    # MMPretrain's MixMIM config as shipped: AdamW, torch's default (the loop on a CPU).
    assert bench.optimizer_name(theirs_opt) == 'AdamW (loop)'
    assert theirs_opt.param_groups[0]['betas'] == (0.9, 0.95)
    forced = bench.build_row_optimizer(ours, 'ours_group_4img', impl='loop')
    assert bench.optimizer_name(forced) == 'FastAdamW (loop)'


@pytest.mark.parametrize('choice, ours, theirs', [
    ('as-trained', 'retain', 'glibc default'),
    ('retain', 'retain', 'retain'),
    ('glibc', 'glibc default', 'glibc default'),
])
def test_rows_run_with_the_allocator_of_their_entry_point(bench, monkeypatch, choice, ours, theirs):
    from mixmim_mm.engine import cpu_allocator
    monkeypatch.setattr(cpu_allocator, 'retain_freed_memory', lambda: 'retain')
    for row, expected in (('ours_group_4img', ours), ('mmpretrain_mixmim', theirs),
                          ('mixedae_ref_mmpretrain_mae', theirs)):
        args = bench.parse_args(['--row', row, '--device', 'cpu', '--allocator', choice])
        assert bench.set_row_allocator(args) == expected, row


def _event(*names):
    """A profiler event called by ``names[1:]`` (innermost first), as ``cpu_parent`` links."""
    event = None
    for name in reversed(names):
        event = SimpleNamespace(name=name, cpu_parent=event)
    return event


def test_profile_tells_casts_from_layout_copies_and_forward_from_backward(bench):
    gemm, optimizer, cast_fwd, cast_bwd, layout, other = range(len(bench.PROFILE_CATEGORIES))
    backward = 'autograd::engine::evaluate_function: '
    cases = [
        (('aten::copy_', 'aten::_to_copy', 'aten::to', 'aten::linear'), cast_fwd),
        (('aten::to', 'aten::linear'), cast_fwd),
        (('aten::copy_', 'aten::_to_copy', 'aten::to', 'ToCopyBackward0',
          backward + 'ToCopyBackward0'), cast_bwd),
        (('aten::copy_', 'aten::clone', 'aten::contiguous', 'aten::matmul'), layout),
        (('aten::copy_', 'aten::clone', 'aten::reshape', 'ViewBackward0',
          backward + 'ViewBackward0'), layout),
        (('aten::copy_', 'aten::_to_copy', 'Optimizer.step#FastAdamW.step'), optimizer),
        (('aten::mm', 'aten::linear'), gemm),
        (('aten::gelu', ), other),
    ]
    for names, category in cases:
        assert bench.profile_category(_event(*names)) == category, names


@pytest.mark.slow
def test_profile_splits_the_step_into_gemms_optimizer_casts_and_the_rest(bench):
    args = bench.parse_args([
        '--profile', 'pixmim_mae_vit-b', '--vit-arch', 'deit-tiny', '--img-size', '32',
        '--batch-size', '2', '--steps', '1', '--warmup', '0', '--device', 'cpu', '--precision',
        'bf16'
    ])
    table = bench.profile_row(args)
    rows = [line.split('|') for line in table.splitlines() if line.startswith('| ')]
    # The first table: its header, then one row per category (what | ms | share | calls).
    parsed = {
        r[1].strip(): (float(r[2]), float(r[3].strip().rstrip('%')))
        for r in rows[:len(bench.PROFILE_CATEGORIES) + 1] if '%' in r[3]
    }
    ms = {name: cells[0] for name, cells in parsed.items()}
    shares = {name: cells[1] for name, cells in parsed.items()}
    assert set(shares) == set(bench.PROFILE_CATEGORIES)
    assert 97 <= sum(shares.values()) <= 103  # rounded to whole percent
    gemm, optimizer, cast_fwd, cast_bwd, _, other = bench.PROFILE_CATEGORIES
    # bf16 autocast casts the fp32 weights in forward and their bf16 gradients in backward.
    assert all(ms[name] > 0 for name in (gemm, optimizer, cast_fwd, cast_bwd, other))
    assert 'FastAdamW (fused)' in table and 'bf16' in table
