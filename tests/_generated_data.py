"""Tiny data sets written to disk in the layouts OpenMMLab's datasets read.

* :func:`write_imagenet_split` - ImageNet / ``CustomDataset``: ``meta/<split>.txt`` lines
  ``<class>/<file> <label>`` and ``<split>/<class>/*.JPEG``.
* :func:`write_coco` - COCO instances: images and a json with boxes and polygon masks.
* :func:`write_ade` - ADE20K: ``images/<split>/*.jpg`` and ``annotations/<split>/*.png``.

Images are noisy backgrounds with a few filled shapes (squares, triangles, discs), so the
detection and segmentation labels are real objects of the picture.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np

SHAPES = ('square', 'triangle', 'disc')


def shape_polygon(kind, cx, cy, r):
    """Vertices (N, 2) of a square, triangle or 24-gon disc centred at (cx, cy)."""
    if kind == 'square':
        return np.array([[cx - r, cy - r], [cx + r, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
    angles = np.linspace(0, 2 * np.pi, 3 if kind == 'triangle' else 24, endpoint=False)
    return np.stack([cx + r * np.sin(angles), cy - r * np.cos(angles)], 1)


def draw_scene(rng, size, max_objects=3):
    """A noisy background with 1..max_objects filled shapes; returns image and objects."""
    height, width = (size, size) if np.isscalar(size) else size
    img = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
    objects = []
    for _ in range(rng.integers(1, max_objects + 1)):
        label = int(rng.integers(len(SHAPES)))
        r = float(rng.uniform(min(height, width) * 0.1, min(height, width) * 0.22))
        cx, cy = rng.uniform(r, width - r), rng.uniform(r, height - r)
        poly = shape_polygon(SHAPES[label], cx, cy, r)
        color = tuple(int(c) for c in rng.integers(120, 256, 3))
        cv2.fillPoly(img, [np.round(poly).astype(np.int32)], color)
        objects.append((label, poly))
    return img, objects


def write_imagenet_split(root,
                         split,
                         num_images,
                         num_classes=4,
                         size=(240, 320),
                         seed=0,
                         ann_file=None,
                         img_dir=None):
    """Write ``num_images`` JPEGs of the ImageNet layout, labels cycling over the classes.

    Args:
        root (str): The data root.
        split (str): ``'train'``, ``'val'``, ...; names the image folder and the list file
            unless ``img_dir`` / ``ann_file`` are given (relative to ``root``).
        size (tuple): ``(height, width)`` of every image.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(seed)
    img_dir = img_dir or split
    ann_file = ann_file or osp.join('meta', f'{split}.txt')
    lines = []
    for i in range(num_images):
        label = i % num_classes
        name = osp.join(f'n{label:08d}', f'{split}_{i:05d}.JPEG')
        os.makedirs(osp.join(root, img_dir, osp.dirname(name)), exist_ok=True)
        img, _ = draw_scene(rng, size)
        cv2.imwrite(osp.join(root, img_dir, name), img)
        lines.append(f'{name} {label}\n')
    os.makedirs(osp.dirname(osp.join(root, ann_file)), exist_ok=True)
    with open(osp.join(root, ann_file), 'w') as f:
        f.writelines(lines)
    return root


def write_coco(root,
               split,
               num_images,
               size=128,
               seed=0,
               ann_file=None,
               img_dir=None,
               categories=SHAPES):
    """Images with drawn shapes and a COCO instances file (boxes and polygon masks).

    Args:
        root (str): The data root.
        split (str): Names the image folder and ``annotations/<split>.json`` unless
            ``img_dir`` / ``ann_file`` are given (relative to ``root``).
        categories (Sequence[str]): Category names for the shapes in :data:`SHAPES` order
            (ids 1, 2, 3); e.g. COCO's own first names, so that a config's COCO class list
            finds them.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(seed)
    img_dir = img_dir or split
    ann_file = ann_file or osp.join('annotations', f'{split}.json')
    os.makedirs(osp.join(root, img_dir), exist_ok=True)
    os.makedirs(osp.dirname(osp.join(root, ann_file)), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        img, objects = draw_scene(rng, size)
        name = f'{i:04d}.jpg'
        cv2.imwrite(osp.join(root, img_dir, name), img)
        images.append(dict(id=i + 1, file_name=name, width=size, height=size))
        for label, poly in objects:
            x0, y0 = poly.min(0)
            x1, y1 = poly.max(0)
            area = float(cv2.contourArea(poly.astype(np.float32)))
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=i + 1,
                    category_id=label + 1,
                    iscrowd=0,
                    bbox=[float(x0), float(y0),
                          float(x1 - x0), float(y1 - y0)],
                    area=area,
                    segmentation=[[float(v) for v in poly.reshape(-1)]]))
    cats = [dict(id=i + 1, name=n) for i, n in enumerate(categories)]
    with open(osp.join(root, ann_file), 'w') as f:
        json.dump(
            dict(
                info=dict(description='generated shapes'),
                licenses=[],
                images=images,
                annotations=annotations,
                categories=cats), f)
    return root


def write_ade(root, split, num_images, size=64, seed=0):
    """ADE20K layout: ``images/<split>/*.jpg`` and ``annotations/<split>/*.png`` label maps
    (0 = "other", ignored by ``reduce_zero_label``; shape k is class k + 1)."""
    rng = np.random.default_rng(seed)
    img_dir = osp.join(root, 'images', split)
    ann_dir = osp.join(root, 'annotations', split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    for i in range(num_images):
        img, objects = draw_scene(rng, size)
        label = np.zeros((size, size), np.uint8)
        for cls, poly in objects:
            cv2.fillPoly(label, [np.round(poly).astype(np.int32)], cls + 1)
        cv2.imwrite(osp.join(img_dir, f'{i:04d}.jpg'), img)
        cv2.imwrite(osp.join(ann_dir, f'{i:04d}.png'), label)
    return root
