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
    names = [*cfg.DATASETS.TRAIN, *cfg.DATASETS.TEST]
    return quick_check_names(names, cfg.MODEL.ROI_HEADS.NUM_CLASSES)


def quick_check_names(names, num_classes, num_classes_setting="MODEL.ROI_HEADS.NUM_CLASSES {}"):
    """``quick_check_datasets`` of the datasets ``names`` for a model of ``num_classes``
    classes, set by ``num_classes_setting`` (a format string of the value)."""
    warnings = []
    for name in dict.fromkeys(names):
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
        if num_classes is not None and num_categories > num_classes:
            key = num_classes_setting.format("").rstrip(" =")
            raise DatasetError(
                f"dataset {name!r} has {num_categories} categories but {key} is "
                f"{num_classes}: set {num_classes_setting.format(num_categories)}"
            )
        found = one_line(problems, "warning")
        if found:
            warnings.append(f"dataset {name!r}: {found}")
    return warnings
