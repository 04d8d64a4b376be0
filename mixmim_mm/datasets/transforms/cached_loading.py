"""Image loading that keeps decoded images in memory, for many views of a few photographs."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CachedLoadImageFromFile(LoadImageFromFile):
    """``LoadImageFromFile`` that decodes each file once per process and reuses the pixels.

    When a small folder is cut into many random views (:class:`ImageFolderViews`), decoding
    the same large photograph again for every view costs more than the crop itself. Decoded
    images are kept up to ``max_cache_mb`` per data-loader process; beyond that, files are
    decoded as usual, so pointing the same config at a big folder stays safe. Each call returns
    a private copy, so later transforms may modify it in place.

    Args:
        max_cache_mb (float): Memory budget of the cache in MiB, per process. Defaults to 512.
        **kwargs: Arguments of :class:`mmcv.transforms.LoadImageFromFile`.
    """

    def __init__(self, max_cache_mb: float = 512, **kwargs):
        super().__init__(**kwargs)
        if max_cache_mb < 0:
            raise ValueError(f'CachedLoadImageFromFile: `max_cache_mb` must be >= 0, '
                             f'got {max_cache_mb}')
        self.max_cache_bytes = int(max_cache_mb * 2**20)
        self._cache: Dict[str, np.ndarray] = {}
        self._cached_bytes = 0

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        img = self._cache.get(path)
        if img is None:
            results = super().transform(results)
            if results is None:
                return None
            img = results['img']
            if self._cached_bytes + img.nbytes <= self.max_cache_bytes:
                self._cache[path] = img.copy()
                self._cached_bytes += img.nbytes
            return results
        results['img'] = img.copy()
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', max_cache_mb={self.max_cache_bytes / 2**20:g})'
