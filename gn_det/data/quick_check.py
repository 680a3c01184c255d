"""The cheap dataset check run before training: every COCO-format dataset of a config.

It reads each JSON and checks schema, ids, references, boxes, polygons and RLE sizes, and
that every image file exists, without opening images (``tools/check_dataset.py`` does that
too). Errors stop the run with one line that points to the full report.
"""

from detectron2.data import MetadataCatalog

from .check_report import one_line
from .coco_check import check_coco_file
from .datasets import DatasetError


def quick_check_dataset(name):
    """(json_file, data, problems) of a registered COCO instances dataset, or None for other
    formats (LVIS, panoptic, Cityscapes...: no ``json_file`` or another ``evaluator_type``)."""
    meta = MetadataCatalog.get(name)
    if not meta.get("json_file") or meta.get("evaluator_type") != "coco":
        return None
    data, problems = check_coco_file(meta.json_file, meta.get("image_root"), read_images=False)
    return meta.json_file, data, problems


def quick_check_datasets(cfg):
    """Raise DatasetError if a dataset of DATASETS.TRAIN/TEST has errors, or has more
    categories than MODEL.ROI_HEADS.NUM_CLASSES; return warnings (strings)."""
    warnings = []
    names = dict.fromkeys([*cfg.DATASETS.TRAIN, *cfg.DATASETS.TEST])
    for name in names:
        checked = quick_check_dataset(name)
        if checked is None:
            continue
        json_file, data, problems = checked
        errors = one_line(problems, "error")
        if errors:
            raise DatasetError(
                f"dataset {name!r} ({json_file}) has {errors}. Full report: python "
                f"tools/check_dataset.py {name}; add --fix-out FILE to write a cleaned copy"
            )
        num_categories = len(data["categories"])
        if num_categories > cfg.MODEL.ROI_HEADS.NUM_CLASSES:
            raise DatasetError(
                f"dataset {name!r} has {num_categories} categories but "
                f"MODEL.ROI_HEADS.NUM_CLASSES is {cfg.MODEL.ROI_HEADS.NUM_CLASSES}: set "
                f"MODEL.ROI_HEADS.NUM_CLASSES {num_categories}"
            )
        found = one_line(problems, "warning")
        if found:
            warnings.append(f"dataset {name!r}: {found}")
    return warnings
