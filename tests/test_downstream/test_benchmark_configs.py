"""Every transfer config under configs/mixmae/benchmarks builds (model, optimizer, data
pipeline on generated data) and carries the paper's settings (Tables 12, A.1)."""
import copy
import glob
import os.path as osp

import numpy as np
import pytest
from _downstream_data import REPO_ROOT
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mixmim_mm  # noqa: F401

BENCHMARKS = osp.join(REPO_ROOT, 'configs', 'mixmae', 'benchmarks')
# The Swin transfer configs (the other encoders: test_mixmae_encoder_benchmark_configs.py).
CONFIGS = sorted(
    p for p in glob.glob(osp.join(BENCHMARKS, '*', '*.py')) if 'swin' in osp.basename(p))
PAPER_WINDOWS = [16] * 5 + [32] + [16] * 5 + [32] + [16] * 5 + [32]


def name_of(path):
    return osp.relpath(path, BENCHMARKS)


def load(path):
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    return cfg, scope


def build_model(cfg, scope):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None
    if scope == 'mmpretrain':
        model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    return registry.build(model_cfg)


def test_all_transfer_configs_exist():
    assert {name_of(p)
            for p in CONFIGS} == {
                'classification/swin-base-w14_8xb128-coslr-100e_in1k.py',
                'classification/swin-large-w14_8xb128-coslr-50e_in1k.py',
                'classification/swin-huge-w14_8xb128-coslr-50e_in1k.py',
                'classification/swin-base-w16-24_8xb128-coslr-100e_in1k-384px.py',
                'classification/swin-large-w16-24_8xb128-coslr-50e_in1k-384px.py',
                'classification/swin-base-w14_8xb2048-linear-coslr-90e_in1k.py',
                'mmdetection/mask-rcnn_swin-base-w16_fpn_8xb8-lsj-55e_coco.py',
                'mmdetection/mask-rcnn_swin-large-w16_fpn_8xb8-lsj-80e_coco.py',
                'mmsegmentation/upernet_swin-base-w16_8xb2-160k_ade20k-512x512.py',
                'mmsegmentation/upernet_swin-large-w16_8xb2-160k_ade20k-512x512.py',
            }


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS, ids=name_of)
def test_model_and_optimizer_build(path):
    cfg, scope = load(path)
    assert cfg.custom_imports.imports == ['mixmim_mm']
    model = build_model(cfg, scope)
    backbone = model.backbone
    assert type(backbone).__name__ == 'MixMAESwinTransformer'
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert len(wrapper.optimizer.param_groups) > 0
    del model, wrapper


@pytest.mark.slow
@pytest.mark.parametrize('path', [p for p in CONFIGS if '-linear-' not in p], ids=name_of)
def test_optimizers_exempt_swin_tables_from_weight_decay(path):
    cfg, scope = load(path)
    model = build_model(cfg, scope)
    groups = build_optim_wrapper(model, cfg.optim_wrapper).optimizer.param_groups
    decay = {g['param_name']: g['weight_decay'] for g in groups}
    tables = [name for name in decay if name.endswith('attn.relative_position_bias_table')]
    assert len(tables) == sum(model.backbone.depths)
    assert [decay[name] for name in tables] == [0.] * len(tables)
    block = 'backbone.stages.2.blocks.5.'
    assert decay[block + 'norm1.weight'] == decay[block + 'attn.qkv.bias'] == 0.
    assert decay[block + 'attn.qkv.weight'] == cfg.optim_wrapper.optimizer.weight_decay
    assert 'backbone.absolute_pos_embed' not in decay  # fixed sin-cos table, not trained


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/classification/' in p], ids=name_of)
def test_classification_pipelines(path):
    cfg, _ = load(path)
    size = 384 if '384px' in path else 224
    img = np.random.randint(0, 255, (300, 400, 3), dtype=np.uint8)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        out = Compose(loader.dataset.pipeline[1:])(
            dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2], gt_label=1))
        assert tuple(out['inputs'].shape) == (3, size, size)


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/mmdetection/' in p], ids=name_of)
def test_detection_pipelines_on_coco_files(path, coco_root):
    cfg, _ = load(path)
    from mmdet.registry import DATASETS
    for loader, split, shape in ((cfg.train_dataloader, 'train', None), (cfg.val_dataloader, 'val',
                                                                         (1024, 1024))):
        dataset_cfg = copy.deepcopy(loader.dataset)
        dataset_cfg.update(
            data_root=coco_root,
            ann_file=f'annotations/{split}.json',
            data_prefix=dict(img=f'{split}/'),
            metainfo=dict(classes=('square', 'triangle', 'disc')))
        sample = DATASETS.build(dataset_cfg)[0]
        h, w = sample['inputs'].shape[1:]
        assert (h, w) == shape if shape else max(h, w) <= 1024
        assert len(sample['data_samples'].gt_instances) > 0 or split == 'train'


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/mmsegmentation/' in p], ids=name_of)
def test_segmentation_pipelines_on_ade_files(path, ade_root):
    cfg, _ = load(path)
    from mmseg.registry import DATASETS
    samples = []
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        dataset_cfg = copy.deepcopy(loader.dataset)
        dataset_cfg.data_root = ade_root
        samples.append(DATASETS.build(dataset_cfg)[0])
    train, val = samples
    assert train['inputs'].shape[-2:] == train['data_samples'].gt_sem_seg.data.shape[-2:]
    assert max(train['inputs'].shape[-2:]) <= 512
    # Test images are resized to a 512 short side; labels stay at the original size.
    assert min(
        val['inputs'].shape[-2:]) == 512 and val['data_samples'].gt_sem_seg.data.shape[-2:] == (64,
                                                                                                64)


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if '/classification/' in p and 'linear' not in p], ids=name_of)
def test_table_12_finetuning_settings(path):
    cfg, _ = load(path)
    arch = cfg.model.backbone.arch
    epochs, drop_path = {'base': (100, 0.15), 'large': (50, 0.2), 'huge': (50, 0.3)}[arch]
    total_batch = 8 * cfg.train_dataloader.batch_size
    opt = cfg.optim_wrapper
    assert total_batch == 1024
    assert opt.optimizer.type == 'FastAdamW' and opt.optimizer.betas == (0.9, 0.999)
    assert opt.optimizer.lr == pytest.approx(5e-4 * total_batch / 256)
    assert opt.optimizer.weight_decay == 0.05
    assert opt.constructor == 'LearningRateDecayOptimWrapperConstructor'
    assert opt.paramwise_cfg.layer_decay_rate == 0.7
    assert cfg.train_cfg.max_epochs == epochs and cfg.param_scheduler[0].end == 5
    assert cfg.param_scheduler[1].type == 'CosineAnnealingLR'
    assert cfg.model.backbone.drop_path_rate == drop_path
    assert cfg.model.head.loss.label_smooth_val == 0.1
    assert [(a.type, a.alpha) for a in cfg.model.train_cfg.augments] == [('Mixup', 0.8),
                                                                         ('CutMix', 1.0)]
    randaug = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandAugment'][0]
    assert (randaug.magnitude_level, randaug.magnitude_std) == (9, 0.5)
    windows = (16, 16, 24, 12) if '384px' in path else (14, 14, 14, 7)
    assert tuple(cfg.model.backbone.window_size) == windows


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/mmdetection/' in p], ids=name_of)
def test_coco_settings_of_appendix_a1(path):
    cfg, _ = load(path)
    large = 'large' in path
    assert list(cfg.model.backbone.window_size[:2]) == [16, 16]
    assert cfg.model.backbone.window_size[3] == 16
    assert list(cfg.model.backbone.window_size[2]) == PAPER_WINDOWS
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == (0.9 if large else 0.85)
    assert cfg.train_cfg.max_epochs == (80 if large else 55)
    warmup, steps = cfg.param_scheduler
    assert warmup.end == 0.25 and warmup.convert_to_iter_based and steps.type == 'MultiStepLR'
    lsj = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'RandomResize'][0]
    assert lsj.scale == (1024, 1024) and lsj.ratio_range == (0.1, 2.0)
    assert cfg.model.data_preprocessor.batch_augments[0].size == (1024, 1024)
    assert cfg.val_evaluator.metric == ['bbox', 'segm']


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/mmsegmentation/' in p], ids=name_of)
def test_ade20k_settings_of_appendix_a1(path):
    cfg, _ = load(path)
    large = 'large' in path
    assert list(cfg.model.backbone.window_size[2]) == PAPER_WINDOWS
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == (0.9 if large else 0.85)
    assert 8 * cfg.train_dataloader.batch_size == 16
    assert cfg.train_cfg.max_iters == 160000  # BEiT's recipe; see the config's comment
    assert cfg.crop_size == (512, 512) and cfg.model.decode_head.type == 'UPerHead'
