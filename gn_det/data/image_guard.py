"""Bad images met while training: one error naming the file, its dataset and the check command.

detectron2's mapper raises from deep inside a data-loader worker (a traceback re-raised in the
trainer, per process), and its ``MapDataset`` silently draws another image when a mapper
returns None. ``GuardedMapper`` instead returns a ``BadImage`` in place of an image that cannot
be read or whose size is not the JSON's; ``raise_bad_images`` turns it into an ImageError in
the process that consumes the batches, so the run stops with one line.
"""

import os
from dataclasses import dataclass

from detectron2.data import MetadataCatalog
from detectron2.data.detection_utils import SizeMismatchError
from PIL import Image, UnidentifiedImageError

from ..coco.check import image_size
from .datasets import DatasetError, check_command

# What reading a damaged, truncated, missing, non-image or huge image file raises.
READ_ERRORS = (OSError, SyntaxError, Image.DecompressionBombError)


class ImageError(DatasetError):
    """A training image that cannot be read or is not of the size its JSON says."""


@dataclass(frozen=True)
class BadImage:
    """Stands for an image the mapper could not use; ``message`` says why (one line)."""

    message: str


def dataset_sources(dataset_names):
    """[(name, json_file, image_root)] of the COCO datasets among ``dataset_names``."""
    metas = [(name, MetadataCatalog.get(name)) for name in dataset_names]
    return [
        (name, meta.json_file, meta.image_root)
        for name, meta in metas
        if meta.get("json_file") and meta.get("image_root")
    ]


def read_error_detail(file_name, error):
    """Why reading the image ``file_name`` raised ``error``, in a few words."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, UnidentifiedImageError):
        empty = os.path.isfile(file_name) and os.path.getsize(file_name) == 0
        return "an empty file" if empty else "not an image format that Pillow knows"
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def bad_image_message(dataset_dict, error, dataset_names, sources):
    """Why the image of ``dataset_dict`` failed, which dataset of ``sources`` (see
    ``dataset_sources``) it comes from, and how to check that dataset in full."""
    file_name = dataset_dict["file_name"]
    if isinstance(error, SizeMismatchError):
        try:
            width, height = image_size(file_name)
            found = f"{width}x{height}"
        except READ_ERRORS:
            found = "of another size"
        why = f"is {found} but the JSON says {dataset_dict['width']}x{dataset_dict['height']}"
    else:
        why = f"cannot be read as an image ({read_error_detail(file_name, error)})"
    inside = [s for s in sources if file_name.startswith(os.path.join(s[2], ""))]
    source = inside[0] if inside else None
    if source is None:
        return f"image {file_name} (of {', '.join(dataset_names)}) {why}"
    name, json_file, root = source
    return (
        f"image {file_name} of dataset {name!r} {why}. Check the whole dataset: "
        f"{check_command(json_file, root)}"
    )


class GuardedMapper:
    """``mapper`` (detectron2's DatasetMapper), returning a BadImage for an image that cannot
    be read or has the wrong size. Picklable, for data-loader workers."""

    def __init__(self, mapper, dataset_names):
        self.mapper, self.dataset_names = mapper, tuple(dataset_names)
        self.sources = dataset_sources(dataset_names)  # workers may not see the registrations

    def __call__(self, dataset_dict):
        try:
            return self.mapper(dataset_dict)
        except (SizeMismatchError, *READ_ERRORS) as e:
            message = bad_image_message(dataset_dict, e, self.dataset_names, self.sources)
            return BadImage(message)


def raise_bad_images(items):
    """``items`` (mapped dicts or lists of them), raising ImageError at the first BadImage.

    A caller that passes a DataLoader's iterator keeps a reference to it: otherwise the raise
    drops it and shuts its workers down mid-raise, and a worker forked from a gloo process
    (a multi-process CPU run) can abort on that shutdown and print a traceback beside the one
    error line. Held, the workers stop with the process."""
    for item in items:
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, BadImage):
                raise ImageError(one.message)
        yield item


class GuardedLoader:
    """A data loader whose batches are checked by ``raise_bad_images`` (keeps ``len``)."""

    def __init__(self, loader):
        self.loader = loader
        self.batches = None

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        self.batches = iter(self.loader)  # held past an ImageError: see raise_bad_images
        return raise_bad_images(self.batches)
