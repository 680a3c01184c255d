"""The dataset check run before training: every COCO-format dataset of a config.

It reads each JSON and checks it with gn_det's COCO checker (schema, ids, references, boxes,
polygons, RLE sizes, areas), that every image file is inside the image folder and exists,
and, for datasets of at most DATASETS.IMAGE_HEADER_CHECK_LIMIT images, each image's header
(format and size, not the pixels). DATASETS.TRAIN datasets are weighed as training data,
DATASETS.TEST ones also as evaluation ground truth. Errors stop the run with one line that
gives the command for the full report.
"""

from detectron2.data import MetadataCatalog

from ..coco.check import check_coco_file
from ..coco.problems import weigh
from ..coco.report import one_line
from .datasets import DatasetError, check_command, dataset_error


def quick_check_dataset(name, allow_outside_root=False, header_limit=0):
    """(json_file, data, problems) of a registered COCO instances dataset, or None for other
    formats (LVIS, panoptic, Cityscapes...: no ``json_file`` or another ``evaluator_type``)."""
    meta = MetadataCatalog.get(name)
    if not meta.get("json_file") or meta.get("evaluator_type") != "coco":
        return None
    data, problems = check_coco_file(
        meta.json_file,
        meta.get("image_root"),
        images="header" if header_limit > 0 else "exists",
        max_headers=header_limit,
        allow_outside_root=allow_outside_root,
    )
    return meta.json_file, data, problems


def quick_check_datasets(cfg):
    """Raise DatasetError if a dataset of DATASETS.TRAIN/TEST has errors, or has more
    categories than MODEL.ROI_HEADS.NUM_CLASSES; return warnings (strings)."""
    datasets = cfg.DATASETS
    return quick_check_names(
        datasets.TRAIN, datasets.TEST, cfg.MODEL.ROI_HEADS.NUM_CLASSES,
        allow_outside_root=datasets.ALLOW_IMAGES_OUTSIDE_ROOT,
        header_limit=datasets.IMAGE_HEADER_CHECK_LIMIT,
    )  # fmt: skip


def quick_check_names(
    train,
    test,
    num_classes,
    num_classes_setting="MODEL.ROI_HEADS.NUM_CLASSES {}",
    allow_outside_root=False,
    header_limit=0,
):
    """``quick_check_datasets`` of the training datasets ``train`` and evaluation datasets
    ``test`` for a model of ``num_classes`` classes, set by ``num_classes_setting`` (a format
    string of the value)."""
    warnings = []
    for name in dict.fromkeys([*train, *test]):
        checked = quick_check_dataset(name, allow_outside_root, header_limit)
        if checked is None:
            continue
        json_file, data, problems = checked
        problems = weigh(problems, "test" if name in test else "train")
        image_root = MetadataCatalog.get(name).get("image_root")
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise dataset_error(name, json_file, image_root, errors, allow_outside_root)
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
        if 0 < header_limit < len(data["images"]):
            command = check_command(json_file, image_root, allow_outside_root)
            warnings.append(
                f"dataset {name!r}: the {len(data['images'])} images were not opened before "
                f"training (more than DATASETS.IMAGE_HEADER_CHECK_LIMIT {header_limit}); a bad "
                f"one stops training when it is read. Check them all: {command}; raise the "
                "limit to check them here, or set it to 0 to skip this silently"
            )
    return warnings
