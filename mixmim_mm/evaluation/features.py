"""Pooled features of a pretrained backbone on labelled images, for kNN and linear probing."""
import inspect
from typing import Iterable, Optional, Tuple

import torch
from mmengine.dataset import default_collate
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader


def eval_pipeline(img_size: int) -> list:
    """Short side to ``img_size``, centre crop, pack: the evaluation view of every model."""
    return [
        dict(type='LoadImageFromFile'),
        dict(
            type='ResizeEdge',
            scale=img_size,
            edge='short',
            backend='pillow',
            interpolation='bicubic'),
        dict(type='CenterCrop', crop_size=img_size),
        dict(type='PackInputs'),
    ]


def labelled_loader(data_root: str,
                    split: str,
                    img_size: int,
                    batch_size: int = 64,
                    num_workers: int = 2,
                    num_samples: Optional[int] = None,
                    seed: int = 0) -> DataLoader:
    """A loader over ``data_root`` in MMPretrain's ``CustomDataset`` layout
    (``meta/<split>.txt`` and ``<split>/``), in the evaluation view.

    Args:
        data_root (str): The data set folder.
        split (str): ``'train'`` or ``'val'`` (names the list file and the image folder).
        img_size (int): Side of the centre crop.
        num_samples (int, optional): A random subset of this many images (drawn with
            ``seed``, the same every time); None: all of them.
    """
    from mmpretrain.registry import DATASETS
    dataset = DATASETS.build(
        dict(
            type='LabelledImageFolder',
            data_root=data_root,
            ann_file=f'meta/{split}.txt',
            data_prefix=f'{split}/',
            pipeline=eval_pipeline(img_size)))
    if num_samples is not None and num_samples < len(dataset):
        order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))
        dataset = dataset.get_subset(sorted(order[:num_samples].tolist()))
    return DataLoader(
        dataset,
        batch_size=batch_size,
        num_workers=num_workers,
        shuffle=False,
        collate_fn=default_collate,
        persistent_workers=False)


def pooled_features(backbone: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """``(B, C)`` features of the backbone's unmasked forward: the last output, averaged over
    its positions (class and other extra tokens left out).

    MIM backbones mask in ``forward(x, mask=...)``; ``mask=None`` gives their plain forward
    (MMPretrain's ``MAEViT``, ``SimMIMSwinTransformer`` and this package's encoders).
    """
    if 'mask' in inspect.signature(backbone.forward).parameters:
        outputs = backbone(inputs, mask=None)
    else:
        outputs = backbone(inputs)
    last = outputs[-1] if isinstance(outputs, (tuple, list)) else outputs
    if isinstance(last, (tuple, list)):  # e.g. ViT's (patch tokens, class token)
        last = last[0]
    if last.ndim == 4:
        return last.mean((2, 3))
    if last.ndim == 3:
        return last[:, getattr(backbone, 'num_extra_tokens', 0):].mean(1)
    if last.ndim == 2:
        return last
    raise ValueError(f'pooled_features: cannot pool a backbone output of shape '
                     f'{tuple(last.shape)}')


@torch.no_grad()
def encode(model: torch.nn.Module, loader: Iterable) -> Tuple[torch.Tensor, torch.Tensor]:
    """Features and labels of every sample of ``loader`` (a loader such as
    :func:`labelled_loader`'s or a list of its batches), through the model's own data
    preprocessor and its backbone (see :func:`pooled_features`), in eval mode; the model's
    mode is restored afterwards.

    Returns:
        tuple: ``(features (N, C) float32, labels (N,) int64)``.
    """
    model = model.module if is_model_wrapper(model) else model
    was_training = model.training
    model.eval()
    features, labels = [], []
    try:
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            inputs = data['inputs']
            if isinstance(inputs, (list, tuple)):
                inputs = inputs[0]
            features.append(pooled_features(model.backbone, inputs).float().cpu())
            labels.append(torch.cat([s.gt_label for s in data['data_samples']]).cpu())
    finally:
        model.train(was_training)
    return torch.cat(features), torch.cat(labels)
