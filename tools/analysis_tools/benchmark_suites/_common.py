"""Inputs shared by the benchmark suites."""
import torch


def images(args):
    """``make_inputs`` of a row that needs only a batch of random images."""
    return lambda: (torch.randn(args.batch_size, 3, args.img_size, args.img_size), [])


# Workers of the loader rows: what a small training machine gives its DataLoader.
LOADER_WORKERS = 2


class GeneratedImageDataset(torch.utils.data.Dataset):
    """A few generated uint8 HWC images, endlessly repeated through an MMPretrain pipeline.

    Decoding is left out (the images are in memory); everything after it, the crop, the flip
    and any target transform, runs per sample in the DataLoader workers as in training.
    """

    def __init__(self, transforms, img_size: int, distinct: int = 16, length: int = 10**6):
        import numpy as np
        from mmengine.dataset import Compose
        from mmengine.registry import DefaultScope
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            self.pipeline = Compose(transforms)
        rng = np.random.default_rng(0)
        # Larger than the crop and not square, as photos are.
        self.images = [
            rng.integers(0, 256, (img_size + 32, img_size + 64, 3), dtype=np.uint8)
            for _ in range(distinct)
        ]
        self.length = length

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        return self.pipeline(dict(img=self.images[index % len(self.images)].copy()))


def loader(args, transforms, img_size=None):
    """``make_inputs`` of a row that reads batches from a DataLoader with ``LOADER_WORKERS``;
    the generated images are a little larger than ``img_size`` (default ``--img-size``)."""
    from mmengine.dataset import default_collate

    def make():
        return torch.utils.data.DataLoader(
            GeneratedImageDataset(transforms, img_size or args.img_size),
            batch_size=args.batch_size,
            num_workers=LOADER_WORKERS,
            collate_fn=default_collate)

    return make
