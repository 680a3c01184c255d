"""Register COCO-format datasets (from a config or code) and the embedded shapes dataset.

COCO 2017 itself (``coco_2017_train``, ``coco_2017_val``) is registered by
detectron2 under ``$DETECTRON2_DATASETS/coco``; ``prepare_datasets`` checks
that the files of every dataset a config uses exist before training starts.
"""

import difflib
import os
import shlex
from functools import partial

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.datasets import load_coco_json

from ..coco.check import check_coco_file
from ..coco.problems import errors_of
from ..coco.report import one_line
from ..utils.errors import GNDetError
from .shapes import SHAPE_CLASSES, ensure_shapes_dataset

SHAPES_DATASETS = {"shapes_train": "train", "shapes_val": "val"}
# How a YAML config registers a dataset (see check_datasets).
REGISTER_HINT = (
    "Register a COCO-format dataset with DATASETS.REGISTER_COCO [[name, json_file, image_root]]"
)


class DatasetError(GNDetError, ValueError):
    """A dataset that cannot be loaded; the message names the dataset and file."""


def datasets_root():
    """Where datasets live: ``$DETECTRON2_DATASETS``, default ``./datasets`` (as detectron2)."""
    return os.path.expanduser(os.getenv("DETECTRON2_DATASETS", "datasets"))


def check_coco_files(name, json_file, image_root):
    """Raise DatasetError unless the JSON file and the image folder exist."""
    if not os.path.isfile(json_file):
        raise DatasetError(f"dataset {name!r}: annotation file {json_file} does not exist")
    if not os.path.isdir(image_root):
        raise DatasetError(f"dataset {name!r}: image folder {image_root} does not exist")


def check_command(json_file, image_root, allow_outside_root=False):
    """The command that checks a COCO dataset in full. It spells out the files, so it works
    for every dataset, registered by a config (DATASETS.REGISTER_COCO), in code or not."""
    args = ["--json", json_file, "--images", image_root]
    args += ["--allow-outside-root"] if allow_outside_root else []
    return "python tools/check_dataset.py " + shlex.join(map(str, args))


def dataset_error(name, json_file, image_root, errors, allow_outside_root=False):
    """The DatasetError for ``errors`` (weighed problems) of dataset ``name``: what is wrong,
    the first example, and the command that reports everything."""
    hint = ""
    if any(p.kind == "image path outside root" for p in errors):
        hint = "; if those paths are meant, set DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT True"
    command = check_command(json_file, image_root, allow_outside_root)
    return DatasetError(
        f"dataset {name!r} ({json_file}) has {one_line(errors)}{hint}. Full report: {command} "
        "(add --fix-out FILE for a cleaned copy)"
    )


def load_coco_format(name, json_file, image_root):
    """detectron2's ``load_coco_json`` after gn_det's COCO checker: a file with problems that
    break loading (``load`` in gn_det.coco.problems) is one DatasetError naming it."""
    check_coco_files(name, json_file, image_root)
    _, problems = check_coco_file(json_file, images=None)
    errors = errors_of(problems, "load")
    if errors:
        raise dataset_error(name, json_file, image_root, errors)
    records = load_coco_json(json_file, image_root, name)
    if not records:
        raise DatasetError(f"dataset {name!r}: {json_file} lists no images")
    return records


def register_coco_format(name, json_file, image_root, **metadata):
    """Register a COCO-format instances dataset; files are checked when it is loaded.

    Re-registering a name with the same files is a no-op; with other files, an error.
    """
    json_file, image_root = os.fspath(json_file), os.fspath(image_root)
    if name in DatasetCatalog.list():
        meta = MetadataCatalog.get(name)
        same = [
            os.path.abspath(a) == os.path.abspath(b)
            for a, b in (
                (meta.get("json_file", ""), json_file),
                (meta.get("image_root", ""), image_root),
            )
        ]
        if all(same):
            return
        raise DatasetError(
            f"dataset {name!r} is already registered with {meta.get('json_file')} and "
            f"{meta.get('image_root')}; choose another name for {json_file}"
        )
    DatasetCatalog.register(name, partial(load_coco_format, name, json_file, image_root))
    MetadataCatalog.get(name).set(
        json_file=json_file, image_root=image_root, evaluator_type="coco", **metadata
    )


def _load_shapes(name, root, split):
    ensure_shapes_dataset(root)
    return load_coco_format(name, *shapes_files(root, split))


def shapes_files(root, split):
    """(json_file, image_root) of a split of the shapes dataset under ``root``."""
    return os.path.join(root, "annotations", f"instances_{split}.json"), os.path.join(root, split)


def register_shapes_datasets(root=None):
    """Register ``shapes_train`` and ``shapes_val``; they are generated on first use."""
    root = root or os.path.join(datasets_root(), "shapes")
    for name, split in SHAPES_DATASETS.items():
        if name in DatasetCatalog.list():
            continue
        json_file, image_root = shapes_files(root, split)
        DatasetCatalog.register(name, partial(_load_shapes, name, root, split))
        MetadataCatalog.get(name).set(
            json_file=json_file,
            image_root=image_root,
            evaluator_type="coco",
            thing_classes=list(SHAPE_CLASSES),
            shapes_root=root,
        )


def register_config_datasets(cfg):
    """Register the datasets of ``cfg.DATASETS.REGISTER_COCO``."""
    for entry in cfg.DATASETS.REGISTER_COCO:
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise DatasetError(
                f"DATASETS.REGISTER_COCO entry {entry!r} must be [name, json_file, image_root]"
            )
        register_coco_format(*entry)


def prepare_datasets(cfg):
    """Register ``cfg.DATASETS.REGISTER_COCO``, generate the shapes data if used, and check
    that every dataset in DATASETS.TRAIN/TEST is registered and its files exist."""
    register_config_datasets(cfg)
    check_datasets(list(cfg.DATASETS.TRAIN) + list(cfg.DATASETS.TEST))


def check_datasets(names, register_hint=REGISTER_HINT):
    """Generate the shapes data if used, and check that every dataset in ``names`` is
    registered (else the error says how: ``register_hint``) and its files exist."""
    registered = DatasetCatalog.list()
    for name in names:
        if name not in registered:
            close = difflib.get_close_matches(name, registered, n=5, cutoff=0.5)
            raise DatasetError(
                f"dataset {name!r} is not registered. Close names: {close or 'none'}. "
                f"{register_hint}. Registered ({len(registered)}): "
                f"{', '.join(sorted(registered))}"
            )
        meta = MetadataCatalog.get(name)
        if meta.get("shapes_root"):
            ensure_shapes_dataset(meta.shapes_root)
        if meta.get("json_file") and meta.get("image_root"):
            check_coco_files(name, meta.json_file, meta.image_root)
