import os.path as osp

import numpy as np
import pytest
from mmpretrain.registry import DATASETS
from PIL import Image

import mixmim_mm  # noqa: F401

PIPELINE = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),
    dict(type='RandomResizedCrop', scale=32, backend='pillow'),
    dict(type='PackInputs'),
]


def _write_image(path, size=(40, 48), fmt=None):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(arr).save(path, format=fmt)
    return path


def _build(**kwargs):
    return DATASETS.build(dict(type='ImageFolderViews', **kwargs))


def test_folder_is_searched_recursively_and_repeated(tmp_path):
    _write_image(tmp_path / 'a.png')
    (tmp_path / 'sub' / 'deeper').mkdir(parents=True)
    _write_image(tmp_path / 'sub' / 'b.JPG', fmt='JPEG')
    _write_image(tmp_path / 'sub' / 'deeper' / 'c.jpeg', fmt='JPEG')
    (tmp_path / 'notes.txt').write_text('not an image')
    ds = _build(data_root=str(tmp_path), views_per_image=3)
    assert ds.num_images == 3
    assert len(ds) == 9
    paths = sorted({ds.get_data_info(i)['img_path'] for i in range(len(ds))})
    assert [osp.basename(p) for p in paths] == ['a.png', 'b.JPG', 'c.jpeg']


def test_pipeline_gives_random_views_of_one_image(tmp_path):
    _write_image(tmp_path / 'a.png', size=(96, 80))
    ds = _build(data_root=str(tmp_path), views_per_image=2, pipeline=PIPELINE)
    np.random.seed(0)
    first, second = ds[0]['inputs'], ds[1]['inputs']
    assert tuple(first.shape) == (3, 32, 32)
    assert not (first == second).all()


def test_default_uses_bundled_skimage_photographs():
    ds = _build(views_per_image=2)
    assert ds.num_images >= 8
    assert len(ds) == 2 * ds.num_images
    info = ds.get_data_info(0)
    assert osp.isfile(info['img_path'])
    assert 'skimage' in info['img_path']


def test_extensions_filter(tmp_path):
    _write_image(tmp_path / 'a.png')
    _write_image(tmp_path / 'b.jpg', fmt='JPEG')
    ds = _build(data_root=str(tmp_path), extensions=('png', ))
    assert len(ds) == 1


def test_missing_folder_error_names_folder(tmp_path):
    missing = tmp_path / 'nope'
    with pytest.raises(FileNotFoundError, match='nope'):
        _build(data_root=str(missing))


def test_empty_folder_error_names_folder(tmp_path):
    (tmp_path / 'empty_dir').mkdir()
    (tmp_path / 'empty_dir' / 'readme.txt').write_text('no images here')
    with pytest.raises(FileNotFoundError, match='empty_dir'):
        _build(data_root=str(tmp_path / 'empty_dir'))


def test_corrupt_image_error_names_file(tmp_path):
    _write_image(tmp_path / 'good.png')
    (tmp_path / 'broken.jpg').write_bytes(b'this is not a jpeg at all')
    with pytest.raises(ValueError, match='broken.jpg'):
        _build(data_root=str(tmp_path))


def test_truncated_image_error_names_file(tmp_path):
    path = _write_image(tmp_path / 'cut.jpg', size=(128, 128), fmt='JPEG')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='cut.jpg'):
        _build(data_root=str(tmp_path))


def test_bad_views_per_image_is_rejected(tmp_path):
    _write_image(tmp_path / 'a.png')
    with pytest.raises(ValueError, match='views_per_image'):
        _build(data_root=str(tmp_path), views_per_image=0)
