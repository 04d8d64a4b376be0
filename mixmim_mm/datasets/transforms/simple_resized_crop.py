"""Simple Resized Crop (SRC), the conservative pretraining crop of PixMIM (Sec. 4.2)."""
import warnings
from typing import Optional, Tuple

import mmcv
import numpy as np
from mmcv.image.geometric import cv2_interp_codes, pillow_interp_codes
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SimpleResizedCrop(BaseTransform):
    """Resize the short side, reflect-pad, take a random square crop, maybe flip.

    This is the AlexNet-style crop PixMIM takes from DeiT III: the image is resized so that
    its shorter side equals ``size`` (aspect ratio kept; the long side becomes
    ``int(size * long / short)``, the rule of torchvision's ``Resize``), padded by ``padding``
    pixels on every side with reflection, and a ``size x size`` square is cropped at a random
    position. Unlike ``RandomResizedCrop`` there is no random area or aspect-ratio sampling, so
    the crop always spans the whole short side except at most ``padding`` pixels.

    Randomness comes from NumPy's global generator, like the other MMPretrain/mmcv transforms,
    so ``np.random.seed`` (or the Runner's ``randomness`` setting) makes it reproducible.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``. Added keys: ``flip``,
    ``flip_direction``.

    Args:
        size (int): Side of the output square, which is also the target short side.
            Defaults to 224.
        padding (int): Reflection padding on each side before cropping. Defaults to 4.
        flip_prob (float): Probability of a horizontal flip after the crop. DeiT III's SRC
            pipeline flips with 0.5. Defaults to 0.5.
        interpolation (str): Resize interpolation. DeiT III uses bicubic. Defaults to
            ``'bicubic'``.
        backend (str): Resize backend, ``'pillow'`` (as torchvision/DeiT III; needs uint8
            images) or ``'cv2'``. Defaults to ``'pillow'``.
        scale (int, optional): Deprecated alias of ``size``, the name this argument had
            before; it warns. Giving both with different values raises. Defaults to None.
    """

    def __init__(self,
                 size: Optional[int] = None,
                 padding: int = 4,
                 flip_prob: float = 0.5,
                 interpolation: str = 'bicubic',
                 backend: str = 'pillow',
                 scale: Optional[int] = None) -> None:
        if scale is not None:
            # Old configs pass `scale=`; keep them working, but a conflicting pair is a typo.
            # FutureWarning, not DeprecationWarning, so that users building from a config see it.
            if size is not None and size != scale:
                raise ValueError(f'SimpleResizedCrop: got size={size!r} and its deprecated '
                                 f'alias scale={scale!r}; pass only size')
            warnings.warn(
                'SimpleResizedCrop: `scale` is deprecated, use `size`', FutureWarning, stacklevel=2)
            size = scale
        if size is None:
            size = 224
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ValueError(f'SimpleResizedCrop: size must be a positive int, got {size!r}')
        if not isinstance(padding, int) or not 0 <= padding < size:
            raise ValueError(f'SimpleResizedCrop: padding must be an int in [0, size), '
                             f'got {padding!r}')
        if not 0 <= flip_prob <= 1:
            raise ValueError(f'SimpleResizedCrop: flip_prob must be in [0, 1], got {flip_prob!r}')
        codes = {'cv2': cv2_interp_codes, 'pillow': pillow_interp_codes}
        if backend not in codes:
            raise ValueError(f"SimpleResizedCrop: backend must be 'cv2' or 'pillow', "
                             f'got {backend!r}')
        if interpolation not in codes[backend]:
            raise ValueError(f'SimpleResizedCrop: interpolation {interpolation!r} is not '
                             f'supported by backend {backend!r}; choose from '
                             f'{sorted(codes[backend])}')
        self.size = size
        self.padding = padding
        self.flip_prob = flip_prob
        self.interpolation = interpolation
        self.backend = backend

    def resized_shape(self, height: int, width: int) -> Tuple[int, int]:
        """Shape ``(h, w)`` after matching the short side to ``size``."""
        if height <= width:
            return self.size, int(self.size * width / height)
        return int(self.size * height / width), self.size

    @cache_randomness
    def _sample(self, height: int, width: int) -> Tuple[int, int, bool]:
        top = np.random.randint(0, height - self.size + 1)
        left = np.random.randint(0, width - self.size + 1)
        flip = bool(np.random.rand() < self.flip_prob)
        return top, left, flip

    def transform(self, results: dict) -> Optional[dict]:
        """Apply the crop to ``results['img']`` (HWC or HW numpy array)."""
        img = results['img']
        if not isinstance(img, np.ndarray) or img.ndim not in (2, 3) or min(img.shape[:2]) < 1:
            raise ValueError(f'SimpleResizedCrop expects a numpy HWC or HW image in '
                             f"results['img'], got {getattr(img, 'shape', type(img))}")
        if self.backend == 'pillow' and img.dtype != np.uint8:
            raise ValueError(f"SimpleResizedCrop: backend='pillow' needs uint8 images, got "
                             f"{img.dtype}; use backend='cv2'")
        new_h, new_w = self.resized_shape(*img.shape[:2])
        if (new_h, new_w) != img.shape[:2]:
            img = mmcv.imresize(
                img, (new_w, new_h), interpolation=self.interpolation, backend=self.backend)
        pad = self.padding
        if pad:
            img = np.pad(
                img, ((pad, pad), (pad, pad)) + ((0, 0), ) * (img.ndim - 2), mode='reflect')
        top, left, flip = self._sample(*img.shape[:2])
        img = img[top:top + self.size, left:left + self.size]
        if flip:
            img = img[:, ::-1]
        results['img'] = np.ascontiguousarray(img)
        results['img_shape'] = img.shape[:2]
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, padding={self.padding}, '
                f'flip_prob={self.flip_prob}, interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')
