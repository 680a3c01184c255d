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
    warnings = []
    allow, limit = cfg.DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT, cfg.DATASETS.IMAGE_HEADER_CHECK_LIMIT
    for name in dict.fromkeys([*cfg.DATASETS.TRAIN, *cfg.DATASETS.TEST]):
        checked = quick_check_dataset(name, allow, limit)
        if checked is None:
            continue
        json_file, data, problems = checked
        problems = weigh(problems, "test" if name in cfg.DATASETS.TEST else "train")
        image_root = MetadataCatalog.get(name).get("image_root")
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise dataset_error(name, json_file, image_root, errors, allow)
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
        if 0 < limit < len(data["images"]):
            warnings.append(
                f"dataset {name!r}: the {len(data['images'])} images were not opened before "
                f"training (more than DATASETS.IMAGE_HEADER_CHECK_LIMIT {limit}); a bad one "
                f"stops training when it is read. Check them all: "
                f"{check_command(json_file, image_root, allow)}; raise the limit to check "
                "them here, or set it to 0 to skip this silently"
            )
    return warnings
