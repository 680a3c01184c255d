"""A tiny, valid COCO dataset (2 images, 3 annotations) that tests can break on purpose."""

import copy
import json

import cv2
import numpy as np

from gn_det.coco.check import check_coco_file

RLE = {"size": [24, 32], "counts": [100, 20, 648]}  # uncompressed RLE of a 24x32 image
GOOD = {
    "images": [
        {"id": 1, "file_name": "a.png", "width": 32, "height": 24},
        {"id": 2, "file_name": "b.png", "width": 32, "height": 24},
    ],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 8], "iscrowd": 0,
         "segmentation": [[2, 2, 12, 2, 12, 10, 2, 10]], "area": 80.0},
        {"id": 2, "image_id": 1, "category_id": 2, "bbox": [15, 5, 6, 6], "iscrowd": 1,
         "segmentation": RLE, "area": 20.0},
        {"id": 3, "image_id": 2, "category_id": 1, "bbox": [0, 0, 32, 24], "iscrowd": 0,
         "segmentation": [[0, 0, 31, 0, 31, 23], [1, 1, 5, 1, 5, 5]], "area": 364.5},
    ],
    "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"}],
}  # fmt: skip


def write_dataset(folder, data=GOOD, text=None):
    """Write the two images and ``data`` (or the raw ``text``) as ann.json under ``folder``;
    return (json_file, image_root)."""
    (folder / "img").mkdir(exist_ok=True)
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(folder / "img" / name), np.full((24, 32, 3), 128, np.uint8))
    json_file = folder / "ann.json"
    json_file.write_text(text if text is not None else json.dumps(data))
    return str(json_file), str(folder / "img")


def check(folder, mutate=None, text=None, **options):
    """The checker's problems of the sample written to ``folder`` after ``mutate(data, folder)``
    (or as the raw ``text``); ``options`` as for check_coco_file."""
    data = copy.deepcopy(GOOD)
    if mutate:
        mutate(data, folder)
    _, problems = check_coco_file(*write_dataset(folder, data, text), **options)
    return problems


def put(section, index, key, value):
    """A mutation for ``check``: ``data[section][index][key] = value``."""

    def mutate(data, folder):
        data[section][index][key] = value

    return mutate


def add(section, entry):
    """A mutation for ``check``: ``data[section].append(entry)``."""
    return lambda data, folder: data[section].append(entry)
