"""The one COCO instances checker: everything in a file that would break or silently weaken
training or evaluation, as a list of ``Problem`` (see problems.py for the kinds and how each
use weighs them).

``check_coco_file`` reads the JSON and checks the schema, duplicate and dangling ids, boxes,
polygons and RLE masks, areas; with an image folder also that every file_name stays inside
it and exists, and (``images="header"``) that each file opens as an image of the size the
JSON says, reading its header only. Problems carry the entry they concern (``target``) so
that ``gn_det.data.coco_fix`` can write a cleaned copy. Nothing is modified here.
"""

import json
import math
import os

from faster_coco_eval import mask_api_new_cpp as rle_api
from PIL import Image, UnidentifiedImageError

from .problems import Problem

# Boxes may pass the image border by this much (rounding) before being reported.
BORDER_TOLERANCE = 1.0
_EXIF_ORIENTATION = 0x0112
# How ``check_coco_data`` looks at image files: not at all, whether they exist, their header.
IMAGE_CHECKS = (None, "exists", "header")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_number(v):
    return _is_real(v) and math.isfinite(v)


def is_box(box):
    """Whether ``box`` is a list of 4 numbers [x, y, w, h] (not necessarily finite)."""
    return isinstance(box, list) and len(box) == 4 and all(_is_real(v) for v in box)


def _layout_problems(data, name):
    """Problems of the top level of COCO ``data``: not an object, lists missing."""
    if not isinstance(data, dict):
        return [Problem("not COCO", f"{name}: top level is a {type(data).__name__}")]
    if not all(isinstance(data.get(k), list) for k in ("images", "categories")) or not isinstance(
        data.get("annotations", []), list
    ):
        return [Problem("not COCO", f"{name}: top level has {sorted(data)}")]
    if "annotations" not in data:
        return [Problem("no annotations list", f"{name}: top level has {sorted(data)}")]
    return []


def _check_images(images):
    problems, by_id = [], {}
    for i, img in enumerate(images):
        target = ("images", i)
        ok = isinstance(img, dict) and _is_int(img.get("id"))
        ok = ok and all(_is_int(img.get(k)) and img[k] > 0 for k in ("width", "height"))
        if not ok:
            problems.append(Problem("bad image entry", f"images[{i}] = {str(img)[:80]}", target))
        elif img["id"] in by_id:
            where = f"image {img['id']} ({img.get('file_name')})"
            problems.append(Problem("duplicate image id", where, target))
        else:
            by_id[img["id"]] = (i, img)
            if not isinstance(img.get("file_name"), str) or not img["file_name"]:
                where = f"image {img['id']}: file_name {img.get('file_name')!r}"
                problems.append(Problem("no file_name", where, target))
    return problems, by_id


def _check_categories(categories):
    problems, ids = [], set()
    for i, cat in enumerate(categories):
        target = ("categories", i)
        if not (
            isinstance(cat, dict) and _is_int(cat.get("id")) and isinstance(cat.get("name"), str)
        ):
            where = f"categories[{i}] = {str(cat)[:80]}"
            problems.append(Problem("bad category entry", where, target))
        elif cat["id"] in ids:
            problems.append(Problem("duplicate category id", f"category {cat['id']}", target))
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


def rle_problem(rle, height, width):
    """Why ``rle`` ({size, counts}, compressed or not) is not a mask of a ``height`` x
    ``width`` image, or None."""
    if rle.get("size") != [height, width]:
        return f"size {rle.get('size')!r}, image is [{height}, {width}]"
    counts = rle["counts"]
    if isinstance(counts, list):
        if not all(_is_int(c) and c >= 0 for c in counts):
            return "counts are not non-negative integers"
        total = sum(counts)
    else:
        try:
            total = sum(rle_api.toUncompressedRLE([rle])[0]["counts"])
        except (ValueError, RuntimeError, TypeError) as e:
            return f"counts are malformed ({e})"
    if total != height * width:
        return f"counts cover {total} pixels, not {height}x{width}={height * width}"
    return None


def polygon_problem(poly):
    """Why ``poly`` is not a polygon of at least 3 finite x, y pairs, or None."""
    if not isinstance(poly, list) or len(poly) < 6 or len(poly) % 2:
        size = len(poly) if isinstance(poly, list) else type(poly).__name__
        return f"has {size} coordinates, not 3 or more x, y pairs"
    if not all(_is_number(v) for v in poly):
        return "has a non-finite or non-numeric coordinate"
    return None


def segmentation_problems(segm, height, width):
    """(kind, polygon index or None, detail) of each defect of a segmentation of a ``height``
    x ``width`` image: polygons, or an RLE dict with ``size`` and str/list ``counts``."""
    if isinstance(segm, dict) and isinstance(segm.get("counts"), (str, list)):
        wrong = rle_problem(segm, height, width)
        return [("RLE wrong size", None, wrong)] if wrong else []
    if not isinstance(segm, list) or not segm or not all(isinstance(p, list) for p in segm):
        return [("bad segmentation", None, f"{repr(segm)[:60]} is neither polygons nor an RLE")]
    return [
        ("short polygon", j, f"polygon {j} {why}")
        for j, why in ((j, polygon_problem(p)) for j, p in enumerate(segm))
        if why
    ]


def _check_annotation(ann, img, where, index):
    target = ("annotations", index)
    problems = _check_box(ann["bbox"], img, where, target)
    if not _is_number(ann.get("area")) or ann["area"] < 0:
        problems.append(Problem("no area", f"{where}: area {ann.get('area')!r}", target))
    if "segmentation" not in ann:
        problems.append(Problem("no segmentation", where))
        return problems
    for kind, j, detail in segmentation_problems(ann["segmentation"], img["height"], img["width"]):
        place = ("polygon", index, j) if j is not None else target
        problems.append(Problem(kind, f"{where}: {detail}", place))
    return problems


def _check_annotations(annotations, images, category_ids):
    problems, ids, used_images, used_categories = [], set(), set(), set()
    for i, ann in enumerate(annotations):
        target = ("annotations", i)
        ok = isinstance(ann, dict) and all(
            _is_int(ann.get(k)) for k in ("id", "image_id", "category_id")
        )
        if not (ok and is_box(ann.get("bbox"))):
            problems.append(
                Problem("bad annotation entry", f"annotations[{i}] = {str(ann)[:80]}", target)
            )
            continue
        where = f"annotation {ann['id']} (image {ann['image_id']})"
        if ann["id"] in ids:
            problems.append(Problem("duplicate annotation id", where, ("annotation id", i)))
        elif ann["id"] < 1:
            problems.append(Problem("annotation id below 1", where, ("annotation id", i)))
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
        used_images.add(ann["image_id"])
        problems += _check_annotation(ann, images[ann["image_id"]][1], where, i)
    return problems, used_images, used_categories


def image_size(path):
    """(width, height) of an image file as detectron2 reads it (EXIF rotation applied), from
    its header: the pixels are not decoded."""
    with Image.open(path) as im:
        width, height = im.size
        # PNG keeps EXIF after the pixels (reading it decodes them); JPEG and TIFF up front.
        in_header = im.format != "PNG" or "exif" in im.info
        orientation = im.getexif().get(_EXIF_ORIENTATION, 1) if in_header else 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def outside_root(file_name):
    """Whether ``file_name`` is absolute or leaves its image folder (``../``)."""
    if os.path.isabs(file_name) or os.path.splitdrive(file_name)[0]:
        return True
    return os.path.normpath(file_name).split(os.sep)[0] == os.pardir


def _check_file(img, image_root, images, allow_outside_root):
    where = f"image {img['id']} ({img['file_name']})"
    if not allow_outside_root and outside_root(img["file_name"]):
        return Problem("image path outside root", where)
    path = os.path.join(image_root, img["file_name"])
    if not os.path.isfile(path):
        return Problem("image file missing", where)
    if images != "header":
        return None
    try:
        size = image_size(path)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        return Problem("image unreadable", f"{where}: {e}")
    if size != (img["width"], img["height"]):
        sizes = f"file {size[0]}x{size[1]}, JSON {img['width']}x{img['height']}"
        return Problem("image size mismatch", f"{where}: {sizes}")
    return None


def _check_files(by_id, image_root, images, allow_outside_root):
    problems = []
    for index, img in by_id.values():
        if isinstance(img.get("file_name"), str) and img["file_name"]:
            problem = _check_file(img, image_root, images, allow_outside_root)
            if problem:
                problems.append(Problem(problem.kind, problem.where, ("images", index)))
    return problems


def check_coco_data(
    data,
    image_root=None,
    *,
    images="header",
    max_headers=None,
    allow_outside_root=False,
    name="the data",
):
    """Problems of COCO ``data`` (parsed JSON, from ``name``). With ``image_root``, image files
    are checked as ``images`` says (one of IMAGE_CHECKS; headers only of datasets with at
    most ``max_headers`` images, if given); a file_name that is absolute or leaves
    ``image_root`` is a problem unless ``allow_outside_root``."""
    layout = _layout_problems(data, name)
    if layout and layout[0].kind == "not COCO":
        return layout
    problems, by_id = _check_images(data["images"])
    category_problems, category_ids = _check_categories(data["categories"])
    problems += layout + category_problems
    ann_problems, used_images, used_categories = _check_annotations(
        data.get("annotations", []), by_id, category_ids
    )
    problems += ann_problems
    if images == "header" and max_headers is not None and len(by_id) > max_headers:
        images = "exists"
    if image_root is not None and images is not None:
        problems += _check_files(by_id, image_root, images, allow_outside_root)
    problems += [
        Problem("empty category", f"category {c['id']} ({c['name']})")
        for c in data["categories"]
        if isinstance(c, dict) and c.get("id") in category_ids and c["id"] not in used_categories
    ]
    problems += [
        Problem("image without annotations", f"image {i} ({img.get('file_name')})")
        for i, (_, img) in by_id.items()
        if i not in used_images
    ]
    return problems


def check_coco_file(json_file, image_root=None, **options):
    """(data, problems) of a COCO-format JSON file; data is None if it is not valid JSON or
    not COCO. ``options`` as for ``check_coco_data``."""
    try:
        with open(json_file, encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return None, [Problem("invalid JSON", f"{json_file}: {e}")]
    problems = check_coco_data(data, image_root, name=json_file, **options)
    if problems and problems[0].kind == "not COCO":
        return None, problems
    return data, problems
