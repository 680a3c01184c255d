"""The classification data a pretraining run uses: shapes crops or an ImageFolder tree."""

import os

import numpy as np

from ..data.datasets import datasets_root
from ..data.shapes import SHAPE_CLASSES
from .crops import shape_crops
from .image_folder import folder_classes, read_split

# Images drawn for the shapes crops' train split (each holds 1-6 objects); val gets a fifth.
SHAPES_TRAIN_IMAGES = 2000


def classification_data(source, image_size, num_images=SHAPES_TRAIN_IMAGES):
    """(train, val, class names) for ``source``: "shapes" or an ImageFolder root.

    train and val are (uint8 N x 3 x S x S BGR images, int64 labels).
    """
    if source == "shapes":
        root = os.path.join(datasets_root(), "shapes_crops")
        train = shape_crops(root, "train", image_size, num_images)
        val = shape_crops(root, "val", image_size, max(num_images // 5, 1))
        return contiguous(train), contiguous(val), list(SHAPE_CLASSES)
    classes = folder_classes(source)
    train = read_split(source, "train", classes, image_size)
    val = read_split(source, "val", classes, image_size)
    return contiguous(train), contiguous(val), classes


def contiguous(split):
    """``split`` with its images C-contiguous (N x C x H x W in memory). Images stacked from
    transposed H x W x C arrays (just rendered, or read from files) have channels-last strides,
    the convolutions then take another path, and a seeded run ends elsewhere than the same run
    on cached (C-contiguous) crops."""
    images, labels = split
    return np.ascontiguousarray(images), labels


def pretrain_config(
    cfg, *, num_train, epochs, batch_size, lr, output_dir, evals_per_epoch=1, schedule_batch=0
):
    """``cfg`` with SOLVER set for ``epochs`` over ``num_train`` images: a cosine schedule with
    a short warm-up, a checkpoint each epoch. Returns (cfg, eval period in iterations).

    With ``schedule_batch`` (> 0) the iteration counts are those of ``epochs`` at that batch
    size while each step takes ``batch_size`` images: equal iterations across batch sizes.
    """
    iters_per_epoch = max(num_train // (schedule_batch or batch_size), 1)
    max_iter = epochs * iters_per_epoch
    cfg = cfg.clone()
    cfg.defrost()
    cfg.OUTPUT_DIR = output_dir
    cfg.SOLVER.IMS_PER_BATCH = batch_size
    cfg.SOLVER.BASE_LR = lr
    cfg.SOLVER.MAX_ITER = max_iter
    cfg.SOLVER.STEPS = ()
    cfg.SOLVER.LR_SCHEDULER_NAME = "WarmupCosineLR"
    cfg.SOLVER.WARMUP_ITERS = min(max(iters_per_epoch // 2, 1), max_iter // 4 or 1)
    cfg.SOLVER.CHECKPOINT_PERIOD = iters_per_epoch
    cfg.freeze()
    return cfg, max(iters_per_epoch // evals_per_epoch, 1)
