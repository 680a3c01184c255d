"""Classification data from the embedded shapes: one square crop per object, labelled by class.

The crops come from images drawn by the shapes generator with seeds of their own, so the
classification train/val split shares no image with the detection data. Crops are cached
as one ``.npz`` per split (uint8 BGR, N x 3 x S x S) next to the shapes dataset.
"""

import json
from pathlib import Path

import cv2
import numpy as np

from ..data.shapes import GENERATOR_VERSION, render_image
from ..utils.atomic_file import atomic_open

# Seed streams of the classification splits (the detection splits use 0 and 1).
CROP_SPLITS = {"train": 100, "val": 101}
# Context kept around an object's box, as a fraction of the box's longer side.
CROP_MARGIN = 0.15


def object_crop(img, mask, size):
    """A ``size`` x ``size`` square crop of ``img`` centred on ``mask``'s box, with margin."""
    ys, xs = np.nonzero(mask)
    cx, cy = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
    half = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) * (0.5 + CROP_MARGIN)
    scale = size / (2 * half)
    affine = np.float32([[scale, 0, size / 2 - cx * scale], [0, scale, size / 2 - cy * scale]])
    return cv2.warpAffine(img, affine, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)  # fmt: skip


def render_crops(split, num_images, size, seed=0, image_size=128, max_objects=6):
    """(crops uint8 N x 3 x size x size BGR, labels int64 N) of ``num_images`` new images."""
    crops, labels = [], []
    for i in range(num_images):
        rng = np.random.default_rng([seed, CROP_SPLITS[split], i])
        img, objects = render_image(rng, image_size, max_objects)
        for kind, mask in objects:
            crops.append(object_crop(img, mask, size).transpose(2, 0, 1))
            labels.append(kind)
    return np.stack(crops), np.asarray(labels, np.int64)


def shape_crops(root, split, size, num_images):
    """The cached crops of ``split`` under ``root`` (made on first use): (crops, labels)."""
    params = dict(split=split, size=size, num_images=num_images, version=GENERATOR_VERSION)
    path = Path(root) / f"{split}_{size}px_{num_images}.npz"
    if path.exists():
        with np.load(path) as cached:
            if json.loads(str(cached["params"])) == params:
                return cached["crops"], cached["labels"]
    crops, labels = render_crops(split, num_images, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:  # runs started together each write a file of their own
        np.savez(f, crops=crops, labels=labels, params=json.dumps(params))
    return crops, labels
