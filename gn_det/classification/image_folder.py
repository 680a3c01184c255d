"""Classification data from an ImageFolder tree: ``DIR/{train,val}/<class>/<image>``."""

from pathlib import Path

import cv2
import numpy as np

from ..data.datasets import DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".tif", ".tiff", ".webp")


def folder_classes(root):
    """Class names of ``root/train`` (its sub-folders, sorted), checked against ``root/val``."""
    root = Path(root)
    for split in ("train", "val"):
        if not (root / split).is_dir():
            raise DatasetError(
                f"{root / split} is not a folder; --data expects an ImageFolder tree "
                f"{root}/train/<class>/<image> and {root}/val/<class>/<image>"
            )
    classes = sorted(p.name for p in (root / "train").iterdir() if p.is_dir())
    if len(classes) < 2:
        raise DatasetError(f"{root / 'train'} has {len(classes)} class folder(s); need >= 2")
    extra = sorted({p.name for p in (root / "val").iterdir() if p.is_dir()} - set(classes))
    if extra:
        raise DatasetError(f"{root / 'val'} has classes not in {root / 'train'}: {extra}")
    return classes


def read_split(root, split, classes, size):
    """(images uint8 N x 3 x size x size BGR, labels int64 N) of ``root/split``, resized."""
    images, labels = [], []
    for label, name in enumerate(classes):
        folder = Path(root) / split / name
        files = sorted(p for p in folder.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        for path in files:
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                raise DatasetError(f"{path} is not a readable image")
            img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
            images.append(img.transpose(2, 0, 1))
            labels.append(label)
    if not images:
        raise DatasetError(f"{Path(root) / split} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    return np.stack(images), np.asarray(labels, np.int64)
