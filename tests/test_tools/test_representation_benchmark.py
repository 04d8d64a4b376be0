"""tools/analysis_tools/representation_benchmark.py end to end on generated data: every method
pretrains, is scored frozen (kNN, linear probe) against its random initialisation, and the
fine-tune runs for the methods asked; JSON, Markdown and PNG are written."""
import json
import os
import os.path as osp
import runpy

import pytest
from _config_runs import REPO_ROOT
from _generated_data import write_imagenet_split

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'representation_benchmark.py')


@pytest.fixture(scope='module')
def tool():
    return runpy.run_path(TOOL, run_name='representation_benchmark')


@pytest.fixture
def data(tmp_path):
    # 2 classes; two batches of 64 per fine-tuning epoch (four of the pretraining's 32), so
    # that every half-epoch warm-up lasts at least one iteration.
    root = str(tmp_path / 'data')
    write_imagenet_split(root, 'train', 128, num_classes=2, size=(72, 72))
    write_imagenet_split(root, 'val', 16, num_classes=2, size=(72, 72), seed=1)
    return root


@pytest.mark.slow
def test_every_method_is_scored_against_random_init(tool, data, tmp_path):
    out = str(tmp_path / 'out' / 'results.json')
    rows = tool['main']([
        '--data', data, '--epochs', '1', '--seeds', '0', '--finetune-epochs', '1',
        '--finetune-methods', 'mixmae', '--work-dir',
        str(tmp_path / 'work'), '--out', out
    ])
    with open(out) as f:
        assert json.load(f) == json.loads(json.dumps(rows))
    methods = set(tool['METHODS'])
    assert {r['method'] for r in rows} == methods | {'random_init'}
    assert {r['backbone_of'] for r in rows if r['method'] == 'random_init'} == methods
    for row in rows:
        assert {'method', 'config', 'seed', 'pretrain_s', 'epochs', 'knn_top1',
                'linear_top1'} <= set(row)
        assert 0 <= row['knn_top1'] <= 1 and 0 <= row['linear_top1'] <= 1
        assert osp.isfile(osp.join(REPO_ROOT, row['config']))
        if row['method'] != 'random_init':
            assert row['epochs'] == 1 and row['pretrain_s'] > 0
            assert [p['epoch'] for p in row['knn_curve']] == [0, 1]
    finetuned = [r for r in rows if 'finetune_top1' in r]
    assert sorted(r['method'] for r in finetuned) == ['mixmae', 'random_init']
    assert all(0 <= r['finetune_top1'] <= 1 for r in finetuned)
    table = open(out[:-len('.json')] + '.md').read()
    assert all(f'| {m} |' in table for m in methods)
    assert osp.getsize(out[:-len('.json')] + '.png') > 1000


@pytest.mark.parametrize('method', ['mixmae', 'mixedae', 'pixmim', 'fastmim', 'mae', 'simmim'])
def test_every_method_fine_tunes_from_its_checkpoint(tool, method, tmp_path):
    # The fine-tune's classifier takes every encoder weight of the pretraining checkpoint
    # (the loud loader raises otherwise) and changes its features.
    import torch
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, tool['METHODS'][method]))
    pretrained = tool['random_init_model'](cfg, 0)
    checkpoint = str(tmp_path / 'pretrained.pth')
    torch.save(dict(state_dict=pretrained.state_dict()), checkpoint)
    args = tool['parse_args'](['--complexity'])
    built = {}
    for name, ckpt in (('pretrained', checkpoint), ('random', None)):
        ft_cfg = tool['finetune_config'](cfg, ckpt, 10, 1, 1, str(tmp_path / name), args)
        built[name] = MODELS.build(ft_cfg.model)
        built[name].init_weights()
    loaded = built['pretrained'].backbone.state_dict()
    source = pretrained.backbone.state_dict()
    shared = [k for k in loaded if k in source and source[k].shape == loaded[k].shape]
    assert len(shared) >= 0.9 * len(loaded)
    assert all(torch.equal(loaded[k], source[k]) for k in shared)
    images = torch.rand(2, 3, 128, 128)
    features = {k: m.extract_feat(images)[-1] for k, m in built.items()}
    assert not torch.allclose(features['pretrained'], features['random'])


def test_a_folder_without_label_files_is_refused(tool, tmp_path):
    with pytest.raises(SystemExit):
        tool['parse_args'](['--data', str(tmp_path), '--quick'])


def test_a_budget_is_required(tool, data):
    with pytest.raises(SystemExit):
        tool['parse_args'](['--data', data])
    assert tool['parse_args'](['--data', data, '--quick']).epochs == 1


@pytest.mark.slow
def test_resume_runs_only_the_missing_seed_and_fine_tunes_only_the_seeds_asked(
        tool, data, tmp_path):
    out = tmp_path / 'results.json'
    earlier = dict(
        method='mae', seed=0, epochs=1, pretrain_s=1.0, knn_top1=0.5, linear_top1=0.5, knn_curve=[])
    out.write_text(json.dumps([earlier]))
    rows = tool['main']([
        '--data', data, '--methods', 'mae', '--epochs', '1', '--seeds', '0', '1', '--resume',
        '--finetune-epochs', '1', '--finetune-seeds', '0', '--work-dir',
        str(tmp_path / 'work'), '--out',
        str(out)
    ])
    assert rows[0] == earlier
    assert [(r['method'], r['seed']) for r in rows[1:]] == [('mae', 1), ('random_init', 1)]
    assert not any('finetune_top1' in r for r in rows)
    features = tmp_path / 'work' / 'mae' / 'seed1' / 'features_pretrained.pt'
    import torch
    saved = torch.load(str(features))
    assert saved['train'].shape[0] == 128 and saved['val'].shape[0] == 16


def test_the_speed_probe_times_an_epoch_and_writes_no_checkpoint(tool, data, tmp_path):
    args = tool['parse_args'](['--data', data, '--minutes', '1', '--work-dir', str(tmp_path)])
    setup_s, epoch_s = tool['seconds_per_epoch']('mae', args)
    # 128 images in batches of 32: four iterations of a ViT-mini at 128 px, far from a minute.
    assert 0 < epoch_s < 60 and setup_s >= 0
    written = [f for _, _, files in os.walk(str(tmp_path)) for f in files]
    assert not [f for f in written if f.endswith('.pth')]


def test_the_budget_pays_the_setup_once_and_runs_at_least_one_epoch(tool):
    assert tool['epochs_in_budget'](5, setup_s=20, epoch_s=20) == 14
    assert tool['epochs_in_budget'](5, setup_s=0, epoch_s=20) == 15
    assert tool['epochs_in_budget'](0.1, setup_s=20, epoch_s=20) == 1


@pytest.mark.parametrize('cache_gb', [4.0, 0.0])
def test_cached_and_streamed_evaluation_images_give_the_same_features(tool, data, cache_gb):
    # Cached batches are reused by every model of a run: no preprocessor may change them.
    import torch
    from mmengine.config import Config

    from mixmim_mm.evaluation.features import encode, labelled_loader
    batches = tool['eval_batches'](data, 'val', cache_gb)
    assert isinstance(batches, list) == (cache_gb > 0)
    streamed = labelled_loader(data, 'val', 128, batch_size=128)
    for method in ('mixmae', 'mae'):
        cfg = Config.fromfile(osp.join(REPO_ROOT, tool['METHODS'][method]))
        model = tool['random_init_model'](cfg, 0)
        for _ in range(2):
            features, labels = encode(model, batches)
            expected, expected_labels = encode(model, streamed)
            assert torch.equal(features, expected) and torch.equal(labels, expected_labels)
