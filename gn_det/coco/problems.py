"""The problems a COCO instances file can have, and how each use of the file weighs them.

``check.check_coco_data`` finds every ``Problem``; a use then keeps the ones that can affect
it, with the severity it gives them (``weigh``). Uses: ``dataset`` (tools/check_dataset.py,
everything), ``train`` and ``test`` (the pre-launch check of DATASETS.TRAIN and TEST),
``load`` (dataset registration: what detectron2's loader reads), ``eval-bbox`` and
``eval-segm`` (evaluation against a ground-truth file: evaluate.py, visualize.py --gt).
"""

from dataclasses import dataclass, field, replace

# kind -> (severity, what it means). Errors make detectron2 or COCO evaluation crash, or drop
# or mis-score data silently.
KINDS = {
    "invalid JSON": ("error", "the file is not valid JSON"),
    "not COCO": ("error", "the top level lacks COCO's images/annotations/categories lists"),
    "no annotations list": ("error", "an image-info file (such as test-dev): nothing to learn "
                            "or evaluate"),
    "bad image entry": ("error", "needs int id and positive int width/height"),
    "no file_name": ("error", "needs a str file_name: the image file to read"),
    "bad annotation entry": ("error", "needs int id, image_id, category_id, bbox [x,y,w,h]"),
    "bad category entry": ("error", "needs int id and str name"),
    "duplicate image id": ("error", "two images share an id; later ones are ambiguous"),
    "duplicate annotation id": ("error", "detectron2 and COCO evaluation refuse duplicate ids"),
    "duplicate category id": ("error", "two categories share an id"),
    "annotation id below 1": ("error", "COCO evaluation reads id 0 as 'unmatched': AP is wrong"),
    "missing image": ("error", "annotation of an image id that is not in images"),
    "missing category": ("error", "annotation of a category id that is not in categories"),
    "no area": ("error", "COCO evaluation sorts objects into small/medium/large by 'area'"),
    "image path outside root": ("error", "file_name is absolute or leaves the image folder "
                                "(../); allow it with DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT True "
                                "or check_dataset --allow-outside-root"),
    "image file missing": ("error", "the image file does not exist under the image folder"),
    "image unreadable": ("error", "the image file cannot be opened as an image"),
    "image size mismatch": ("error", "the file's size differs from width/height in the JSON"),
    "bad box size": ("error", "box width/height not positive or not finite"),
    "box outside image": ("error", "the box does not overlap the image at all"),
    "box partly outside": ("warning", "the box extends over 1 px past the image (clipped)"),
    "short polygon": ("error", "a polygon with fewer than 3 points (dropped by detectron2)"),
    "bad segmentation": ("error", "segmentation is neither polygons nor an RLE dict"),
    "RLE wrong size": ("error", "RLE size or counts do not match [height, width] of its image"),
    "ignore flag": ("error", 'detectron2 rejects "ignore": 1; use "iscrowd": 1'),
    "empty category": ("warning", "a category without annotations"),
    "image without annotations": ("info", "allowed; dropped from training by default"),
    "no segmentation": ("info", "the annotation has a box but no mask"),
}  # fmt: skip
SEVERITIES = ("error", "warning", "info")

# Problems that only COCO evaluation, only detectron2's reading of the images, or only masks
# can suffer from.
EVAL_ONLY = {"annotation id below 1", "no area"}
IMAGE_FILES = {
    "no file_name", "image path outside root", "image file missing", "image unreadable",
    "image size mismatch",
}  # fmt: skip
MASKS = {"short polygon", "bad segmentation", "RLE wrong size"}
TRAIN_ONLY = {"ignore flag", "image without annotations"}
# use -> {kind: severity it gets, or None: it cannot affect that use}; other kinds as KINDS.
POLICIES = {
    "dataset": {},
    "train": dict.fromkeys(EVAL_ONLY),
    "test": {},
    "load": dict.fromkeys(EVAL_ONLY | {"no annotations list", "image path outside root"}),
    "eval-bbox": dict.fromkeys(IMAGE_FILES | MASKS | TRAIN_ONLY | {"no segmentation"}),
    "eval-segm": {**dict.fromkeys(IMAGE_FILES | TRAIN_ONLY), "no segmentation": "error"},
}


@dataclass(frozen=True)
class Problem:
    """One defect: its kind, where it is (human readable ids), and the entry it concerns as
    (section, list index[, polygon index]) for ``coco_fix``; None for file-level problems.
    ``severity`` is the kind's (``KINDS``) unless a use weighed it otherwise."""

    kind: str
    where: str
    target: tuple = None
    severity: str = field(default=None, compare=False)

    def __post_init__(self):
        if self.severity is None:
            object.__setattr__(self, "severity", KINDS[self.kind][0])


def weigh(problems, use):
    """The ``problems`` that can affect ``use`` (a key of POLICIES), with its severities."""
    policy = POLICIES[use]
    weighed = []
    for p in problems:
        severity = policy.get(p.kind, KINDS[p.kind][0])
        if severity is not None:
            weighed.append(replace(p, severity=severity))
    return weighed


def errors_of(problems, use):
    """The problems that are errors for ``use``."""
    return [p for p in weigh(problems, use) if p.severity == "error"]
