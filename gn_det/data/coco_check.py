"""Find what in a COCO-format instances dataset would break or silently weaken training.

``check_coco_file`` reads the JSON and returns one ``Problem`` per defect: schema, duplicate
ids, dangling references, boxes, polygons and RLE masks, and (with ``images``) files that are
missing, unreadable or of another size than the JSON says. Problems carry the entry they
concern (``target``) so that ``coco_fix`` can write a cleaned copy. Nothing is modified here.
"""

import json
import math
import os
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# kind -> (severity, what it means). Errors make detectron2 crash or drop data silently.
KINDS = {
    "invalid JSON": ("error", "the file is not valid JSON"),
    "not COCO": ("error", "the top level lacks COCO's images/annotations/categories lists"),
    "bad image entry": ("error", "needs int id, str file_name, positive int width/height"),
    "bad annotation entry": ("error", "needs int id, image_id, category_id, bbox [x,y,w,h]"),
    "bad category entry": ("error", "needs int id and str name"),
    "duplicate image id": ("error", "two images share an id; later ones are ambiguous"),
    "duplicate annotation id": ("error", "detectron2 refuses duplicate annotation ids"),
    "duplicate category id": ("error", "two categories share an id"),
    "missing image": ("error", "annotation of an image id that is not in images"),
    "missing category": ("error", "annotation of a category id that is not in categories"),
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
}
# Boxes may pass the image border by this much (rounding) before being reported.
BORDER_TOLERANCE = 1.0
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Problem:
    """One defect: its kind, where it is (human readable ids), and the entry it concerns as
    (section, list index[, polygon index]) for ``coco_fix``; None for file-level problems."""

    kind: str
    where: str
    target: tuple = None

    @property
    def severity(self):
        return KINDS[self.kind][0]


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def load_coco_json(json_file):
    """(data, problems): the parsed JSON, or None with a file-level problem."""
    try:
        with open(json_file, encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return None, [Problem("invalid JSON", f"{json_file}: {e}")]
    lists = ("images", "annotations", "categories")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in lists):
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        return None, [Problem("not COCO", f"{json_file}: top level has {keys}")]
    return data, []


def _check_images(images):
    problems, by_id = [], {}
    for i, img in enumerate(images):
        ok = isinstance(img, dict) and _is_int(img.get("id"))
        ok = ok and isinstance(img.get("file_name"), str)
        ok = ok and all(_is_int(img.get(k)) and img[k] > 0 for k in ("width", "height"))
        if not ok:
            problems.append(
                Problem("bad image entry", f"images[{i}] = {str(img)[:80]}", ("images", i))
            )
        elif img["id"] in by_id:
            where = f"image {img['id']} ({img['file_name']})"
            problems.append(Problem("duplicate image id", where, ("images", i)))
        else:
            by_id[img["id"]] = (i, img)
    return problems, by_id


def _check_categories(categories):
    problems, ids = [], set()
    for i, cat in enumerate(categories):
        if not (
            isinstance(cat, dict) and _is_int(cat.get("id")) and isinstance(cat.get("name"), str)
        ):
            problems.append(
                Problem(
                    "bad category entry", f"categories[{i}] = {str(cat)[:80]}", ("categories", i)
                )
            )
        elif cat["id"] in ids:
            problems.append(
                Problem("duplicate category id", f"category {cat['id']}", ("categories", i))
            )
        else:
            ids.add(cat["id"])
    return problems, ids


def _check_box(box, img, where, target):
    x, y, w, h = box
    if not all(math.isfinite(v) for v in box) or w <= 0 or h <= 0:
        return [Problem("bad box size", f"{where}: bbox {box}", target)]
    width, height = img["width"], img["height"]
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        return [Problem("box outside image", f"{where}: bbox {box} in {width}x{height}", target)]
    tol = BORDER_TOLERANCE
    if x < -tol or y < -tol or x + w > width + tol or y + h > height + tol:
        return [Problem("box partly outside", f"{where}: bbox {box} in {width}x{height}")]
    return []


def _check_rle(rle, img, where):
    shape = [img["height"], img["width"]]
    size, counts = rle.get("size"), rle.get("counts")
    if size != shape:
        return f"{where}: size {size}, image is {shape}"
    if isinstance(counts, list):
        if not all(_is_int(c) and c >= 0 for c in counts):
            return f"{where}: counts are not non-negative integers"
        if sum(counts) != shape[0] * shape[1]:
            return f"{where}: counts cover {sum(counts)} pixels"
    return None


def _check_segmentation(segm, img, where, index):
    target = ("annotations", index)
    if isinstance(segm, dict) and isinstance(segm.get("counts"), (str, list)):
        wrong = _check_rle(segm, img, where)
        return [Problem("RLE wrong size", wrong, target)] if wrong else []
    if not isinstance(segm, list) or not all(isinstance(p, list) for p in segm):
        return [Problem("bad segmentation", f"{where}: {str(segm)[:60]}", target)]
    return [
        Problem(
            "short polygon",
            f"{where}: polygon {j} has {len(poly)} coordinates",
            ("polygon", index, j),
        )
        for j, poly in enumerate(segm)
        if len(poly) < 6 or len(poly) % 2 or not all(_is_number(v) for v in poly)
    ]


def _check_annotations(annotations, images, category_ids):
    problems, ids, used_images, used_categories = [], set(), set(), set()
    for i, ann in enumerate(annotations):
        target = ("annotations", i)
        box = ann.get("bbox") if isinstance(ann, dict) else None
        ok = isinstance(ann, dict) and all(
            _is_int(ann.get(k)) for k in ("id", "image_id", "category_id")
        )
        if not (ok and isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            problems.append(
                Problem("bad annotation entry", f"annotations[{i}] = {str(ann)[:80]}", target)
            )
            continue
        where = f"annotation {ann['id']} (image {ann['image_id']})"
        if ann["id"] in ids:
            problems.append(Problem("duplicate annotation id", where, ("annotation id", i)))
        ids.add(ann["id"])
        if ann.get("ignore", 0):
            problems.append(Problem("ignore flag", where, target))
        if ann["category_id"] not in category_ids:
            problems.append(
                Problem("missing category", f"{where}: category {ann['category_id']}", target)
            )
        used_categories.add(ann["category_id"])
        if ann["image_id"] not in images:
            problems.append(Problem("missing image", where, target))
            continue
        img = images[ann["image_id"]][1]
        used_images.add(ann["image_id"])
        problems += _check_box(box, img, where, target)
        if "segmentation" in ann:
            problems += _check_segmentation(ann["segmentation"], img, where, i)
    return problems, used_images, used_categories


def image_size(path):
    """(width, height) of an image file as detectron2 reads it (EXIF rotation applied)."""
    with Image.open(path) as im:
        width, height = im.size
        orientation = im.getexif().get(_EXIF_ORIENTATION, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _check_files(images, image_root, read_images):
    problems = []
    for index, img in images.values():
        path = os.path.join(image_root, img["file_name"])
        where, target = f"image {img['id']} ({img['file_name']})", ("images", index)
        if not os.path.isfile(path):
            problems.append(Problem("image file missing", where, target))
            continue
        if not read_images:
            continue
        try:
            size = image_size(path)
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
            problems.append(Problem("image unreadable", f"{where}: {e}", target))
            continue
        if size != (img["width"], img["height"]):
            json_size = f"{img['width']}x{img['height']}"
            problems.append(
                Problem(
                    "image size mismatch",
                    f"{where}: file {size[0]}x{size[1]}, JSON {json_size}",
                    target,
                )
            )
    return problems


def check_coco_data(data, image_root=None, *, read_images=True):
    """Problems of parsed COCO ``data``; image files are checked under ``image_root`` (exist
    always, opened for size only with ``read_images``)."""
    problems, images = _check_images(data["images"])
    category_problems, category_ids = _check_categories(data["categories"])
    problems += category_problems
    ann_problems, used_images, used_categories = _check_annotations(
        data["annotations"], images, category_ids
    )
    problems += ann_problems
    if image_root is not None:
        problems += _check_files(images, image_root, read_images)
    problems += [
        Problem("empty category", f"category {c['id']} ({c['name']})")
        for c in data["categories"]
        if isinstance(c, dict) and c.get("id") in category_ids and c["id"] not in used_categories
    ]
    problems += [
        Problem("image without annotations", f"image {i} ({img['file_name']})")
        for i, (_, img) in images.items()
        if i not in used_images
    ]
    return problems


def check_coco_file(json_file, image_root=None, *, read_images=True):
    """(data, problems) of a COCO-format JSON file; data is None if it cannot be parsed."""
    data, problems = load_coco_json(json_file)
    if data is None:
        return None, problems
    return data, check_coco_data(data, image_root, read_images=read_images)
