"""The model zoo: ``model-index.yml`` and ``configs/<method>/metafile.yml``, registered with
MMPretrain's ``ModelHub`` by ``import mixmim_mm`` (``mixmim_mm/model_zoo.py``).

Coverage rule: every config under ``configs/`` that is not in a ``_base_`` folder (pretraining,
fine-tuning, linear probing, detection and segmentation alike) is the ``Config`` of at least one
index entry, and every entry's ``Config`` is such a config.
"""
import contextlib
import glob
import os.path as osp
import subprocess
import sys
import warnings
from collections import defaultdict

import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.registry import DefaultScope
from modelindex.load_model_index import load

import mixmim_mm  # noqa: F401  (registers the models and the model-index hook)
from mixmim_mm import model_zoo

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
INDEX_PATH = osp.join(REPO_ROOT, 'model-index.yml')
METHODS = ('mixmae', 'mixedae', 'pixmim', 'fastmim', 'convmae', 'baselines')
# One small-scale pretraining entry per method: they build in a fraction of a second.
SMALL = {
    'mixmae': 'mixmae_swin-mini_1xb32-amp-coslr-10e_imagenette-128px',
    'mixedae': 'mixedae_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px',
    'pixmim': 'pixmim_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px',
    'fastmim': 'fastmim_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-64px',
}
TASKS = {
    'Image Classification': ('ImageNet-1k', {'Top 1 Accuracy'}),
    'Object Detection': ('COCO', {'box AP'}),
    'Instance Segmentation': ('COCO', {'mask AP'}),
    'Semantic Segmentation': ('ADE20K', {'mIoU'}),
}


def shipped_configs():
    """Every config the index must cover, relative to the repository."""
    paths = glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, REPO_ROOT) for p in paths if '_base_' not in osp.relpath(p).split(osp.sep))


def index_models():
    index = load(INDEX_PATH)
    index.build_models_with_collections()
    return index


INDEX = index_models()
MODELS = {m.name: m for m in INDEX.models}
BY_CONFIG = defaultdict(list)
for _model in INDEX.models:
    BY_CONFIG[_model.config].append(_model)


def test_index_imports_one_metafile_per_method():
    with open(INDEX_PATH) as f:
        listed = yaml.safe_load(f)['Import']
    assert sorted(listed) == sorted(f'configs/{m}/metafile.yml' for m in METHODS)
    assert sorted(listed) == sorted(
        osp.relpath(p, REPO_ROOT) for p in glob.glob(osp.join(REPO_ROOT, 'configs/*/metafile.yml')))


def test_every_config_has_an_entry_and_every_entry_a_config():
    assert set(BY_CONFIG) == set(shipped_configs())


def test_names_are_unique_lowercase_and_not_mmpretrains():
    names = [m.name for m in INDEX.models]
    assert len(names) == len(set(names))
    # ModelHub keys by the lower-cased name but checks clashes with the name as written.
    assert all(n == n.lower() for n in names)
    from mmpretrain.apis.model import ModelHub
    ModelHub._register_mmpretrain_models()
    ours = osp.join(model_zoo.model_index_root(), '')
    theirs = {k for k, v in ModelHub._models_dict.items() if not v.filepath.startswith(ours)}
    assert not set(names) & theirs


def test_entries_are_complete():
    collections = {c.name for c in INDEX.collections}
    for model in INDEX.models:
        assert not model.check_errors, (model.name, model.check_errors)
        assert model.in_collection in collections
        meta = model.metadata.data
        assert isinstance(meta['Parameters'], int) and meta['Parameters'] > 0, model.name
        assert isinstance(meta['Batch Size'], int), model.name
        assert ('Epochs' in meta) != ('Iterations' in meta), model.name
        assert meta['Training Data'], model.name
        for result in model.results or []:
            dataset, metrics = TASKS[result.task]
            assert result.dataset == dataset and set(result.metrics) == metrics, model.name
            assert all(0 < v < 100 for v in result.metrics.values()), model.name
        if model.weights is not None:
            assert model.weights.startswith('https://download.openmmlab.com/'), model.name
    for collection in INDEX.collections:
        paper = collection.paper
        assert paper['Title'] and paper['URL'].startswith('https://arxiv.org/abs/'), paper


def test_pretraining_and_evaluation_entries():
    """MMPretrain's convention: a pretraining entry is named after its config and has no
    results (its model classifies nothing, so MMPretrain's inferencers must not pick it); the
    paper's numbers sit on the evaluation entries it lists under ``Downstream``, named
    ``<model>_<method>-<epochs>-pre_<recipe>`` (one config may serve several pretrainings)."""
    pretraining = {m.name: m for m in INDEX.models if osp.basename(m.config)[:-3] == m.name}
    evaluation = {m.name: m for m in INDEX.models if m.name not in pretraining}
    assert all('-pre_' in name for name in evaluation)
    downstream = set()
    for model in pretraining.values():
        assert model.results is None, model.name
        for name in model.data.get('Downstream') or []:
            assert name in evaluation, (model.name, name)
            downstream.add(name)
    # Without a pretraining entry: the 384 px fine-tuning recipes of MixMAE (the authors'
    # release, no paper run) and MixedAE's COCO config (the paper ran another detector).
    assert set(evaluation) - downstream == {
        'swin-base-w16-24_mixmae-pre_8xb128-coslr-100e_in1k-384px',
        'swin-large-w16-24_mixmae-pre_8xb128-coslr-50e_in1k-384px',
        'mask-rcnn_vit-base-p16-sfp_mixedae-pre_8xb2-ms-1x_coco',
    }


@contextlib.contextmanager
def parameters_on_meta():
    """Create every ``nn.Parameter`` on the meta device, everything else as usual.

    Building under ``torch.device('meta')`` fails for Swin, ConvNeXt and PVT, whose constructors
    compute buffers and drop-path rates from real tensors (``.item()``); moving only the
    parameters keeps construction intact and skips allocating and initialising the weights.
    """
    register = torch.nn.Module.register_parameter

    def register_on_meta(module, name, param):
        if param is not None and param.device.type != 'meta':
            param = torch.nn.Parameter(param.to('meta'), requires_grad=param.requires_grad)
        register(module, name, param)

    torch.nn.Module.register_parameter = register_on_meta
    try:
        yield
    finally:
        torch.nn.Module.register_parameter = register


def build_as_get_model(cfg):
    """Build ``cfg.model`` as ``mmpretrain.get_model`` does (MMPretrain's default scope)."""
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor', None))
    with DefaultScope.overwrite_default_scope('mmpretrain'), parameters_on_meta():
        return PRETRAIN_MODELS.build(cfg.model)


@pytest.mark.slow
@pytest.mark.parametrize('config', sorted(BY_CONFIG))
def test_config_builds_with_the_listed_parameter_count(config):
    path = osp.join(REPO_ROOT, config)
    assert osp.isfile(path), config
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = build_as_get_model(Config.fromfile(path))
    params = sum(p.numel() for p in model.parameters())
    for entry in BY_CONFIG[config]:
        assert entry.metadata.data['Parameters'] == params, (entry.name, params)


@pytest.mark.parametrize('method', METHODS)
def test_list_models_lists_our_names(method):
    import mmpretrain
    prefix = {'baselines': 'mae_vit-mini'}.get(method, method)
    listed = set(mmpretrain.list_models(f'{prefix}*'))
    expected = {m.name for m in INDEX.models if m.config.startswith(f'configs/{method}/')}
    expected = {n for n in expected if n.startswith(prefix)}
    assert expected and expected <= listed


def test_evaluation_entries_are_found_by_task():
    from mmpretrain.apis import ImageClassificationInferencer
    listed = set(ImageClassificationInferencer.list_models('*fastmim*'))
    assert 'vit-base-p16_fastmim-800e-pre_8xb128-coslr-100e_in1k' in listed
    assert not any(n.startswith('fastmim') for n in listed)  # pretraining models classify nothing


def test_registered_once_from_the_checkout():
    import mmpretrain
    from mmpretrain.apis.model import ModelHub
    mmpretrain.list_models()  # the first look-up registers
    count = len(ModelHub._models_dict)
    assert model_zoo.install_model_index_hook() and model_zoo.register_model_index()
    mmpretrain.list_models()
    assert len(ModelHub._models_dict) == count
    hook = ModelHub._register_mmpretrain_models
    assert getattr(hook, model_zoo._HOOK_ATTR) and model_zoo.install_model_index_hook()
    assert ModelHub._register_mmpretrain_models == hook
    # An editable checkout has no mixmim_mm/.mim: the index is read from the repository.
    if not osp.isdir(osp.join(model_zoo.PACKAGE_DIR, '.mim')):
        assert model_zoo.model_index_root() == REPO_ROOT
    name = SMALL['pixmim']
    assert ModelHub.get(name).config.filename == osp.join(REPO_ROOT, MODELS[name].config)


def test_a_failed_registration_leaves_the_hub_as_it_was():
    from mmpretrain.apis.model import ModelHub

    class ClashingHub(ModelHub):
        _models_dict = {SMALL['fastmim']: 'someone else'}

    with pytest.warns(UserWarning, match='not registered'):
        assert not model_zoo.register_model_index(ClashingHub)
    assert ClashingHub._models_dict == {SMALL['fastmim']: 'someone else'}
    assert not model_zoo.register_model_index(ClashingHub)  # no retry, no second warning


@pytest.mark.slow
def test_import_reads_no_index_until_a_model_is_looked_up():
    code = ('import mixmim_mm, mmpretrain\n'
            'from mmpretrain.apis.model import ModelHub\n'
            'assert not ModelHub._models_dict\n'
            "print(len(mmpretrain.list_models('pixmim*')))\n")
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=REPO_ROOT,
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.split()[-1]) == len([n for n in MODELS if n.startswith('pixmim')])


def perturbed_checkpoint(model, path):
    """Save ``model`` with every floating-point weight changed, as a Runner checkpoint."""
    state = {k: v + 0.5 if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({'meta': {}, 'state_dict': state}, path)
    return state


@pytest.mark.parametrize('method', sorted(SMALL))
def test_get_model_by_name_builds_and_loads_a_checkpoint(method, tmp_path):
    import mmpretrain
    name = SMALL[method]
    model = mmpretrain.get_model(name)
    assert model._metainfo.name == name
    assert type(model).__name__ == Config.fromfile(osp.join(REPO_ROOT,
                                                            MODELS[name].config)).model.type
    state = perturbed_checkpoint(model, str(tmp_path / 'ckpt.pth'))
    loaded = mmpretrain.get_model(name, pretrained=str(tmp_path / 'ckpt.pth')).state_dict()
    assert loaded.keys() == state.keys()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


@pytest.mark.slow
def test_feature_extractor_by_name(tmp_path):
    import mmpretrain
    from mmpretrain.apis import FeatureExtractor
    name = 'convnext-tiny_fastmim-800e-pre_8xb128-coslr-300e_in1k'
    state = perturbed_checkpoint(mmpretrain.get_model(name), str(tmp_path / 'ft.pth'))
    extractor = FeatureExtractor(name, pretrained=str(tmp_path / 'ft.pth'))
    weight = 'backbone.downsample_layers.0.0.weight'
    assert torch.equal(extractor.model.state_dict()[weight], state[weight])
    image = np.random.RandomState(0).randint(0, 256, (64, 80, 3), dtype=np.uint8)
    feats = extractor(image)[0]
    assert feats[-1].shape == (768, )  # ConvNeXt-T's pooled last stage at the 224 px test crop
