"""A label-free dataset of every image under a folder, each repeated as many random views."""
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.dataset import force_full_init
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')

# Real photographs bundled with scikit-image (no download needed). Colour photos first; the gray
# ones are natural photos too and are loaded as 3-channel images by ``LoadImageFromFile``.
SKIMAGE_PHOTOS = (
    'astronaut.png',
    'chelsea.png',
    'coffee.png',
    'hubble_deep_field.jpg',
    'ihc.png',
    'motorcycle_left.png',
    'motorcycle_right.png',
    'retina.jpg',
    'rocket.jpg',
    'camera.png',
    'coins.png',
    'moon.png',
    'grass.png',
    'gravel.png',
    'brick.png',
)


def skimage_photo_paths() -> List[str]:
    """Paths of the sample photographs that ship inside the scikit-image package."""
    try:
        import skimage
    except ImportError as e:  # pragma: no cover - scikit-image is an install requirement
        raise ImportError(
            'ImageFolderViews(data_root=None) uses the photographs bundled with scikit-image; '
            'install it (`pip install scikit-image`) or set `data_root` to an image folder.') from e
    data_dir = osp.join(osp.dirname(skimage.__file__), 'data')
    paths = [osp.join(data_dir, name) for name in SKIMAGE_PHOTOS]
    missing = [p for p in paths if not osp.isfile(p)]
    if missing:
        raise FileNotFoundError(
            f'scikit-image {skimage.__version__} lacks the bundled photographs {missing}; '
            'set `data_root` to an image folder instead.')
    return paths


def verify_image(path: str) -> None:
    """Fully decode ``path`` with PIL; raise ``ValueError`` naming the file if that fails."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            # JPEG draft mode decodes at reduced scale: still reads every byte (so truncation and
            # corruption are caught) but is several times cheaper on big photographs.
            img.draft('RGB', (256, 256))
            img.load()
    except Exception as e:
        raise ValueError(f'Unreadable image file {path!r}: {type(e).__name__}: {e}') from e


@DATASETS.register_module()
class ImageFolderViews(BaseDataset):
    """Every image under a folder, each listed ``views_per_image`` times, without labels.

    Meant for self-supervised pretraining on a handful of photographs: with a random crop in the
    pipeline, the repeats become different training views. Every file is decoded once at build
    time, so an unreadable image fails before any training step instead of midway.

    Args:
        data_root (str, optional): Folder searched recursively for images. ``None`` uses the
            real photographs bundled with scikit-image (astronaut, chelsea, coffee, ...), so a
            demo needs no download. Defaults to None.
        views_per_image (int): How many times each image appears in one epoch. Defaults to 1.
        extensions (Sequence[str]): File endings (case-insensitive) that count as images.
        verify_images (bool): Decode every image at build time and raise naming the first bad
            file. Turn off only for huge, trusted folders. Defaults to True.
        pipeline (Sequence): Data transforms, e.g. ``LoadImageFromFile`` then a random crop.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`.
    """

    def __init__(self,
                 data_root: Optional[str] = None,
                 views_per_image: int = 1,
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 verify_images: bool = True,
                 pipeline: Sequence = (),
                 **kwargs):
        if not isinstance(views_per_image, int) or views_per_image < 1:
            raise ValueError(f'ImageFolderViews: `views_per_image` must be a positive int, '
                             f'got {views_per_image!r}')
        if isinstance(extensions, str):
            extensions = (extensions, )
        self.extensions = tuple(e.lower() if e.startswith('.') else '.' + e.lower()
                                for e in extensions)
        self.views_per_image = views_per_image
        self.verify_images = verify_images
        if data_root is not None:
            data_root = osp.expanduser(str(data_root))
        self.use_bundled = data_root is None
        super().__init__(ann_file='', data_root=data_root or '', pipeline=pipeline, **kwargs)

    def _find_images(self) -> List[str]:
        root = self.data_root
        if not osp.exists(root):
            raise FileNotFoundError(f'ImageFolderViews: image folder {root!r} does not exist '
                                    '(check `data_root`)')
        if not osp.isdir(root):
            raise NotADirectoryError(f'ImageFolderViews: `data_root` {root!r} is not a folder')
        paths = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            paths.extend(
                osp.join(dirpath, f) for f in sorted(filenames)
                if not f.startswith('.') and f.lower().endswith(self.extensions))
        if not paths:
            raise FileNotFoundError(
                f'ImageFolderViews: no images with extensions {self.extensions} found under '
                f'{root!r} (searched recursively)')
        return paths

    def load_data_list(self) -> List[dict]:
        """One entry per (image, view); the random crop in the pipeline makes the views differ."""
        paths = skimage_photo_paths() if self.use_bundled else self._find_images()
        if self.verify_images:
            for path in paths:
                verify_image(path)
        self.image_paths = paths
        return [dict(img_path=p) for p in paths for _ in range(self.views_per_image)]

    @property
    @force_full_init
    def num_images(self) -> int:
        """Number of distinct image files (before repeating them as views)."""
        return len(self.image_paths)

    def extra_repr(self) -> List[str]:
        root = 'scikit-image sample photographs' if self.use_bundled else self.data_root
        return [f'Image folder: \t{root}', f'Views per image: \t{self.views_per_image}']
