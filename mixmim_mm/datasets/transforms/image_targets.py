"""Reconstruction targets computed in the data pipeline, from each sample's augmented image."""
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ...models.target_generators.base import PIPELINE_TARGET_KEYS
from ...models.utils.hog_filter import HOGSettings, gaussian_window_kernel, sobel_kernels
from ...models.utils.low_pass_filter import LowPassFilter


class ImageTargetTransform(BaseTransform):
    """Base of the target transforms: ``results[key] = compute(image)``.

    The image is ``results['img']`` as the preceding transforms left it (after the crop and
    the flip), converted to a float32 ``(C, H, W)`` tensor in its own pixel units and channel
    order; the data preprocessor's channel conversion and normalisation are applied to the
    stacked targets on the model side by ``DataSampleTarget``, as to the inputs. Put the
    transform after the last transform that changes the image and add ``key`` to
    ``PackInputs(algorithm_keys=[...])``.

    A subclass sets ``default_key``, one of ``PIPELINE_TARGET_KEYS`` (so that a batch carrying
    that field into a model that computes its own target is caught), and implements
    :meth:`compute`.

    Required keys: ``img``. Added keys: ``key``.

    Args:
        key (str, optional): Result key (and data-sample field) of the target. Defaults to
            the subclass's ``default_key``.
    """

    default_key: Optional[str] = None
    # Whether the target is an image in the loaded image's units and channel order (which
    # ``DataSampleTarget(pixel_space=True)`` preprocesses like the inputs) or features.
    pixel_space = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.default_key is not None and cls.default_key not in PIPELINE_TARGET_KEYS:
            raise TypeError(f'{cls.__name__}.default_key={cls.default_key!r} is not in '
                            f'mixmim_mm.models.target_generators.base.PIPELINE_TARGET_KEYS '
                            f'{PIPELINE_TARGET_KEYS}; add it there')

    def __init__(self, key: Optional[str] = None) -> None:
        key = self.default_key if key is None else key
        if not isinstance(key, str) or not key:
            raise ValueError(f'{type(self).__name__}: key must be a non-empty str, got {key!r}')
        self.key = key

    def compute(self, image: torch.Tensor) -> torch.Tensor:
        """The target of one ``(C, H, W)`` float32 image."""
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
            raise TypeError(f"{type(self).__name__}: results['img'] must be an (H, W[, C]) "
                            f"ndarray, got {type(img).__name__}"
                            f"{getattr(img, 'shape', '')}; put it after the image loading "
                            f'and augmentation and before PackInputs')
        image = torch.from_numpy(np.ascontiguousarray(img)).float()
        image = image[None] if image.ndim == 2 else image.permute(2, 0, 1)
        results[self.key] = self.compute(image).contiguous()
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(key={self.key!r})'


@TRANSFORMS.register_module()
class LowPassTarget(ImageTargetTransform):
    """PixMIM's low-pass target, computed in the dataloader workers.

    The filter is the one ``LowPassTargetGenerator`` uses (:class:`LowPassFilter`), with the
    same arguments; model it with ``target_generator=dict(type='DataSampleTarget',
    key='low_pass_target')``. The stored target is ``(C, H, W)`` float32 in pixel units.

    Args:
        radius (float): Bandwidth in frequency bins of the whole image. Defaults to 40.
        scale_radius_with_size (bool): Scale ``radius`` by ``min(H, W) / reference_size``.
            Defaults to False.
        reference_size (int): Image side at which ``radius`` is meant. Defaults to 224.
        key (str): Result key and data-sample field. Defaults to ``'low_pass_target'``.
    """

    default_key = 'low_pass_target'

    def __init__(self,
                 radius: float = 40.,
                 scale_radius_with_size: bool = False,
                 reference_size: int = 224,
                 key: Optional[str] = None) -> None:
        super().__init__(key)
        self.filter = LowPassFilter(
            radius, scale_radius_with_size, reference_size, owner=type(self).__name__)

    def compute(self, image: torch.Tensor) -> torch.Tensor:
        return self.filter(image)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.filter!r}, key={self.key!r})'


@TRANSFORMS.register_module()
class HOGTarget(HOGSettings, ImageTargetTransform):
    """FastMIM's HOG target, computed in the dataloader workers.

    Calls the arithmetic of ``HOGTargetGenerator`` (:func:`hog_features`, through the shared
    :class:`HOGSettings`) with the same arguments on one augmented image; the Sobel kernels and
    the Gaussian window are built once.
    Model it with ``target_generator=dict(type='DataSampleTarget', key='hog_target',
    pixel_space=False)``. The stored target is ``(N, C * nbins * (token_stride / cell_size)^2)``
    float32 per-token features, ``N`` tokens in row-major order, as the model-side generator
    gives for one image.

    Channel order: the features are per colour channel, so their layout follows the channel
    order of the image they are computed on. The model-side generator sees the data
    preprocessor's output (RGB when ``to_rgb=True``, as in every FastMIM config) while
    ``LoadImageFromFile`` gives BGR; ``to_rgb`` reverses the channels first, and must equal the
    preprocessor's ``to_rgb`` (``TargetSourceCheckHook`` checks it). Pixel units do not matter
    with ``normalization='cell'`` or ``'block'``; with None the pipeline side gives the
    histograms of 0-255 pixels, as the model side does after mapping its inputs back.

    Args:
        token_stride (int): Pixels per token side. Defaults to 16.
        nbins (int): Orientation bins. Defaults to 9.
        cell_size (int): Cell side in pixels. Defaults to 8.
        gaussian_window (int): Gaussian window side, 0 for none. Defaults to 0.
        normalization (str, optional): ``'cell'``, ``'block'`` or None. Defaults to 'cell'.
        to_rgb (bool): Reverse the channel order (BGR -> RGB) of a 3-channel image first, as
            the data preprocessor's ``to_rgb`` does. Defaults to True.
        key (str): Result key and data-sample field. Defaults to ``'hog_target'``.
    """

    default_key = 'hog_target'
    pixel_space = False

    def __init__(self,
                 token_stride: int = 16,
                 nbins: int = 9,
                 cell_size: int = 8,
                 gaussian_window: int = 0,
                 normalization: Optional[str] = 'cell',
                 to_rgb: bool = True,
                 key: Optional[str] = None) -> None:
        super().__init__(key)
        self.set_hog_settings(token_stride, nbins, cell_size, gaussian_window, normalization)
        self.to_rgb = bool(to_rgb)
        self.window = gaussian_window_kernel(gaussian_window) if gaussian_window else None
        # Per channel count (RGB, grey); built on first use, pickled to the workers.
        self._kernels = {}

    def compute(self, image: torch.Tensor) -> torch.Tensor:
        channels = image.shape[0]
        if self.to_rgb and channels == 3:
            image = image.flip(0)
        if channels not in self._kernels:
            self._kernels[channels] = sobel_kernels(channels)
        return self.hog(image[None], kernels=self._kernels[channels], window=self.window)[0]

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.hog_settings_repr()}, to_rgb={self.to_rgb}, '
                f'key={self.key!r})')
