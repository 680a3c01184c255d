"""Unlabeled images to distill on: the embedded shapes, a folder, or a registered dataset.

``--data shapes`` trains on ``shapes_train`` and holds out images of ``shapes_val``; a folder
(searched recursively) or a registered detection dataset (its image files only, no
annotation is used) is shuffled with the seed and split into held-out and training images.
Files that cannot be decoded are reported and skipped, with their count.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from detectron2.data import DatasetCatalog

from ..classification.image_folder import IMAGE_SUFFIXES
from ..data.datasets import DatasetError, check_datasets

logger = logging.getLogger(__name__)

SHAPES = {"train": "shapes_train", "heldout": "shapes_val"}
# Resize filter by "shrinking?" (area averaging avoids aliasing when shrinking).
INTERPOLATION = {True: cv2.INTER_AREA, False: cv2.INTER_LINEAR}


def read_image(path):
    """The image at ``path`` as uint8 H x W x 3 BGR, or None if it cannot be decoded."""
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return img if img is not None and img.size else None


def folder_files(root):
    """Image files (by suffix) under ``root`` and its sub-folders, sorted."""
    root = Path(root)
    files = sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DatasetError(
            f"--data {root} holds no image files ({', '.join(IMAGE_SUFFIXES)}), "
            "sub-folders included"
        )
    return files


def dataset_files(name):
    """The image files of registered dataset ``name`` (its annotations are not used)."""
    check_datasets([name])
    files = [d["file_name"] for d in DatasetCatalog.get(name)]
    if not files:
        raise DatasetError(f"dataset {name!r} lists no images")
    return files


def source_files(data):
    """The image files of ``--data``: a folder's (recursively), else a registered dataset's."""
    if Path(data).is_dir():
        return folder_files(data)
    try:
        return dataset_files(data)
    except DatasetError as e:
        raise DatasetError(f"--data {data} is not 'shapes' nor a folder; {e}") from None


@dataclass
class ImageSplit:
    """Training and held-out image files, and the files skipped as unreadable."""

    train: list
    heldout: list
    skipped: list = field(default_factory=list)


def take_readable(files, count, skipped):
    """The first ``count`` files of ``files`` that decode; the others tried go to ``skipped``."""
    taken, used = [], 0
    for path in files:
        if len(taken) == count:
            break
        used += 1
        (taken if read_image(path) is not None else skipped).append(path)
    return taken, files[used:]


def shuffled(files, seed):
    order = np.random.default_rng([seed, 7]).permutation(len(files))
    return [files[i] for i in order]


def split_images(data, num_images, num_heldout, seed):
    """The ImageSplit of ``--data`` (shapes, a folder or a dataset name): ``num_heldout``
    held-out images and up to ``num_images`` training images (None: all the others)."""
    skipped = []
    if data == "shapes":
        heldout, _ = take_readable(shuffled(dataset_files(SHAPES["heldout"]), seed),
                                   num_heldout, skipped)  # fmt: skip
        rest = shuffled(dataset_files(SHAPES["train"]), seed)
    else:
        heldout, rest = take_readable(shuffled(source_files(data), seed), num_heldout, skipped)
    train, _ = take_readable(rest, num_images if num_images else len(rest), skipped)
    if skipped:
        logger.warning(
            f"skipped {len(skipped)} unreadable image file(s) of --data {data}: "
            f"{', '.join(skipped[:3])}{' ...' if len(skipped) > 3 else ''}"
        )
    if not train:
        raise DatasetError(
            f"--data {data}: no readable image is left for training after {len(heldout)} "
            f"held-out image(s) ({len(skipped)} unreadable)"
        )
    if num_images and len(train) < num_images:
        logger.warning(f"--data {data} has {len(train)} training images, fewer than --num-images")
    return ImageSplit(train, heldout, skipped)


def center_crops(files, size):
    """uint8 N x 3 x size x size BGR: each image resized (shorter side ``size``), centre crop."""
    crops = []
    for path in files:
        img = read_image(path)
        if img is None:
            raise DatasetError(f"{path} can no longer be read as an image")
        h, w = img.shape[:2]
        scale = size / min(h, w)
        new_size = (max(size, round(w * scale)), max(size, round(h * scale)))
        img = cv2.resize(img, new_size, interpolation=INTERPOLATION[scale < 1])
        top, left = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
        crops.append(img[top : top + size, left : left + size].transpose(2, 0, 1))
    return torch.from_numpy(np.stack(crops)) if crops else torch.zeros(0, 3, size, size)
