"""Training batches of random resized crops and flips, a function of (seed, iteration) only,
so a resumed run sees the same data as an uninterrupted one, with any number of workers."""

import itertools
import math

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ..classification.batches import stream_indices
from ..data.datasets import DatasetError
from .images import INTERPOLATION, read_image

# Area fraction and aspect ratio range of the random crops (torchvision's RandomResizedCrop
# takes 0.08-1 for classification; distillation keeps more of each image).
CROP_SCALE = (0.25, 1.0)
CROP_RATIO = (3 / 4, 4 / 3)


def random_resized_crop(img, size, rng):
    """A random crop of ``img`` (area and aspect ratio in CROP_SCALE/CROP_RATIO, as
    torchvision's RandomResizedCrop), resized to ``size`` x ``size``, flipped with
    probability 1/2. ``rng`` is a NumPy Generator."""
    h, w = img.shape[:2]
    for _ in range(10):
        area = h * w * rng.uniform(*CROP_SCALE)
        ratio = math.exp(rng.uniform(*np.log(CROP_RATIO)))
        cw, ch = round(math.sqrt(area * ratio)), round(math.sqrt(area / ratio))
        if 0 < cw <= w and 0 < ch <= h:
            top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            break
    else:  # the whole image's central square
        ch = cw = min(h, w)
        top, left = (h - ch) // 2, (w - cw) // 2
    crop = img[top : top + ch, left : left + cw]
    shrink = cw > size or ch > size
    crop = cv2.resize(crop, (size, size), interpolation=INTERPOLATION[shrink])
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop.transpose(2, 0, 1))


class CropBatches(Dataset):
    """Item ``i`` is the batch of iteration ``i``: ``{"images": uint8 B x 3 x S x S}`` from the
    images of seeded epochs of ``files``, each a random resized crop with a flip."""

    def __init__(self, files, batch_size, image_size, seed):
        self.files = list(files)
        self.batch_size = batch_size
        self.image_size = image_size
        self.seed = seed

    def __getitem__(self, iteration):
        rng = np.random.default_rng([self.seed, iteration])
        position = iteration * self.batch_size
        indices = stream_indices(len(self.files), self.seed, position, self.batch_size)
        crops = []
        for i in indices.tolist():
            img = read_image(self.files[i])
            if img is None:
                raise DatasetError(f"{self.files[i]} can no longer be read as an image")
            crops.append(random_resized_crop(img, self.image_size, rng))
        return {"images": torch.from_numpy(np.stack(crops))}


def iteration_loader(batches, start, num_workers):
    """``batches[i]`` for i = start(), start() + 1, ..., loaded by a DataLoader with
    ``num_workers`` workers. ``start`` is called at the first ``next()``, when a resumed
    trainer knows its iteration."""
    sampler = itertools.count(start())
    yield from DataLoader(batches, sampler=sampler, batch_size=None, num_workers=num_workers)
