import numpy as np
import pytest
from mmpretrain.registry import TRANSFORMS
from PIL import Image

import mixmim_mm  # noqa: F401


def _image(path):
    arr = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    Image.fromarray(arr).save(path)
    return str(path)


def test_matches_plain_loading(tmp_path):
    path = _image(tmp_path / 'a.png')
    plain = TRANSFORMS.build(dict(type='LoadImageFromFile'))(dict(img_path=path))
    cached = TRANSFORMS.build(dict(type='CachedLoadImageFromFile'))
    for _ in range(2):
        out = cached(dict(img_path=path))
        assert np.array_equal(out['img'], plain['img'])
        assert out['img_shape'] == out['ori_shape'] == (20, 30)


def test_second_load_uses_cache_and_returns_a_copy(tmp_path):
    path = _image(tmp_path / 'a.png')
    load = TRANSFORMS.build(dict(type='CachedLoadImageFromFile'))
    first = load(dict(img_path=path))['img']
    first[:] = 0  # a later transform writing in place must not corrupt the cache
    (tmp_path / 'a.png').unlink()  # served from memory now
    second = load(dict(img_path=path))['img']
    assert second.any()


def test_budget_limits_the_cache(tmp_path):
    path = _image(tmp_path / 'a.png')
    load = TRANSFORMS.build(dict(type='CachedLoadImageFromFile', max_cache_mb=0))
    load(dict(img_path=path))
    (tmp_path / 'a.png').unlink()
    with pytest.raises(Exception):
        load(dict(img_path=path))


def test_negative_budget_is_rejected():
    with pytest.raises(ValueError, match='max_cache_mb'):
        TRANSFORMS.build(dict(type='CachedLoadImageFromFile', max_cache_mb=-1))
