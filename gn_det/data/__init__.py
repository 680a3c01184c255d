from .datasets import (
    DatasetError,
    check_datasets,
    datasets_root,
    load_coco_format,
    prepare_datasets,
    register_coco_format,
    register_config_datasets,
    register_shapes_datasets,
)
from .shapes import SHAPE_CLASSES, ensure_shapes_dataset, generate_shapes_dataset

register_shapes_datasets()

__all__ = [
    "SHAPE_CLASSES",
    "DatasetError",
    "check_datasets",
    "datasets_root",
    "ensure_shapes_dataset",
    "generate_shapes_dataset",
    "load_coco_format",
    "prepare_datasets",
    "register_coco_format",
    "register_config_datasets",
    "register_shapes_datasets",
]
