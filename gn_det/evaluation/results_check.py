"""Checks of a ground-truth file and a results file before offline COCO evaluation.

COCO tools either crash deep inside (or, for a NaN polygon, exhaust memory) or silently
ignore results that do not match the ground truth; these checks stop with one line naming
the file, how many entries are wrong and the first of them. Polygon and uncompressed-RLE
result masks are converted to compressed RLE (the results format), and said so.
"""

import json
import math
from collections import Counter

from faster_coco_eval import mask_api_new_cpp as rle_api
from faster_coco_eval.core import mask as mask_util

from .errors import EvaluationInputError

GT_KEYS = ("images", "annotations", "categories")
IMAGE_INTS = ("id", "height", "width")


def read_json(path, what):
    """The parsed JSON of ``path``; EvaluationInputError if missing or not JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise EvaluationInputError(f"{what} file {path} does not exist") from None
    except IsADirectoryError:
        raise EvaluationInputError(f"{what} file {path} is a folder, not a JSON file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise EvaluationInputError(f"{what} file {path} is not valid JSON ({e})") from None


class _Problems:
    """Counts problems by kind and keeps the first example of each, for a one-line error."""

    def __init__(self, path, noun):
        self.path, self.noun, self.kinds = path, noun, {}

    def add(self, kind, index, detail):
        count, first = self.kinds.get(kind, (0, f"#{index}: {detail}"))
        self.kinds[kind] = (count + 1, first)

    def raise_if_any(self):
        if self.kinds:
            parts = [
                f"{kind} in {n} {self.noun}{'s' if n > 1 else ''} (first: {self.noun} {first})"
                for kind, (n, first) in self.kinds.items()
            ]
            raise EvaluationInputError(f"{self.path}: " + "; ".join(parts))


def _id(v):
    """``v`` if it can be a COCO id (an int), else None: never unhashable in a lookup."""
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _box_problem(box):
    if not isinstance(box, list) or len(box) != 4 or not all(_is_number(v) for v in box):
        return f"bbox {box!r} is not 4 finite numbers [x, y, w, h]"
    if box[2] < 0 or box[3] < 0:
        return f"bbox {box!r} has a negative width or height"
    return None


def _segm_problem(segm, height, width):
    """Why ``segm`` is not a valid polygon list or RLE of a ``height`` x ``width`` image."""
    if isinstance(segm, list):
        if not segm:
            return "segmentation is an empty polygon list"
        for poly in segm:
            if not isinstance(poly, list) or len(poly) < 6 or len(poly) % 2:
                return "segmentation polygon is not a list of at least 3 x, y pairs"
            if not all(_is_number(v) for v in poly):
                return "segmentation polygon has a non-finite or non-numeric coordinate"
        return None
    if not isinstance(segm, dict) or not {"size", "counts"} <= set(segm):
        return f"segmentation {repr(segm)[:40]} is neither polygons nor an RLE {{size, counts}}"
    if segm["size"] != [height, width]:
        return f"segmentation size {segm['size']!r} is not the image's [{height}, {width}]"
    counts = segm["counts"]
    if isinstance(counts, list):
        if not all(isinstance(c, int) and c >= 0 for c in counts):
            return "uncompressed RLE counts are not non-negative integers"
        total = sum(counts)
    elif isinstance(counts, str):
        try:
            total = sum(rle_api.toUncompressedRLE([segm])[0]["counts"])
        except (ValueError, RuntimeError) as e:
            return f"RLE counts are malformed ({e})"
    else:
        return f"RLE counts of type {type(counts).__name__} are neither a string nor a list"
    if total != height * width:
        return f"RLE counts cover {total} pixels, not {height}x{width}={height * width}"
    return None


def check_gt(gt, path, iou_types=("bbox",)):
    """Raise EvaluationInputError unless ``gt`` is COCO instances data usable for ``iou_types``."""
    if not isinstance(gt, dict):
        raise EvaluationInputError(
            f"{path} is not a COCO file: top level is a {type(gt).__name__}, expected an object"
        )
    for key in GT_KEYS:
        if not isinstance(gt.get(key), list):
            hint = " (an image-info file such as test-dev has none)" if key == "annotations" else ""
            raise EvaluationInputError(
                f"{path} is not a COCO instances file: it needs a list under {key!r}{hint}"
            )
    problems = _Problems(path, "image")
    for i, img in enumerate(gt["images"]):
        if not isinstance(img, dict) or not all(isinstance(img.get(k), int) for k in IMAGE_INTS):
            problems.add(f"no integer {'/'.join(IMAGE_INTS)}", i, repr(img)[:80])
    problems.raise_if_any()
    problems = _Problems(path, "category")
    for i, cat in enumerate(gt["categories"]):
        if not isinstance(cat, dict) or not isinstance(cat.get("id"), int) or "name" not in cat:
            problems.add("no integer 'id' or no 'name'", i, repr(cat)[:80])
    problems.raise_if_any()
    _check_ids(gt, path)
    _check_annotations(gt, path, iou_types)


def _check_ids(gt, path):
    for key, noun in (("images", "image"), ("categories", "category")):
        ids = Counter(x["id"] for x in gt[key])
        dup = [i for i, n in ids.items() if n > 1]
        if dup:
            raise EvaluationInputError(f"{path}: {len(dup)} {noun} ids repeat (first: {dup[0]})")


def _check_annotations(gt, path, iou_types):
    images = {img["id"]: img for img in gt["images"]}
    cat_ids = {c["id"] for c in gt["categories"]}
    problems = _Problems(path, "annotation")
    seen = set()
    for i, ann in enumerate(gt["annotations"]):
        if not isinstance(ann, dict):
            problems.add("not an object", i, repr(ann)[:80])
            continue
        ann_id = _id(ann.get("id"))
        if ann_id is None or ann_id < 1 or ann_id in seen:
            kind = "'id' not a unique integer >= 1 (COCO reads 0 as unmatched)"
            problems.add(kind, i, f"id {ann.get('id')!r}")
        seen.add(ann_id)
        img = images.get(_id(ann.get("image_id")))
        if img is None:
            problems.add("image_id absent from 'images'", i, f"image_id {ann.get('image_id')!r}")
        if _id(ann.get("category_id")) not in cat_ids:
            problems.add(
                "category_id absent from 'categories'", i, f"category_id {ann.get('category_id')!r}"
            )
        if not _is_number(ann.get("area")):
            problems.add("no finite 'area'", i, f"area {ann.get('area')!r}")
        box_problem = _box_problem(ann.get("bbox"))
        if box_problem:
            problems.add("bad bbox", i, box_problem)
        if "segm" in iou_types and img is not None:
            segm_problem = _segm_problem(ann.get("segmentation"), img["height"], img["width"])
            if segm_problem:
                problems.add("bad segmentation", i, segm_problem)
    problems.raise_if_any()


def _require_list(results, path):
    if not isinstance(results, list):
        raise EvaluationInputError(
            f"{path} is not a COCO results file: top level is a {type(results).__name__}, "
            "expected a list of {image_id, category_id, bbox|segmentation, score}"
        )


def infer_iou_types(results, path):
    """('bbox',), ('segm',) or both: the tasks every result has the field for."""
    _require_list(results, path)
    types = tuple(
        t
        for t, field in (("bbox", "bbox"), ("segm", "segmentation"))
        if results and all(isinstance(r, dict) and field in r for r in results)
    )
    if results and not types:
        raise EvaluationInputError(
            f"{path}: not every result has a 'bbox', nor does every result have a "
            "'segmentation'; pass --iou-type to choose, and fix the results that lack it"
        )
    return types or ("bbox",)


def check_results(results, gt, path, iou_types, max_dets=100):
    """Results ready for ``evaluate_coco`` and notes for the user; EvaluationInputError if bad.

    Polygon and uncompressed-RLE masks become compressed RLE (new dicts; ``results`` is not
    changed). Notes say what was converted and how many detections COCO's ``max_dets`` per
    image and category leaves out.
    """
    _require_list(results, path)
    images = {img["id"]: img for img in gt["images"]}
    cat_ids = {c["id"] for c in gt["categories"]}
    problems = _Problems(path, "result")
    for i, r in enumerate(results):
        if not isinstance(r, dict):
            problems.add("not an object", i, repr(r)[:80])
            continue
        _check_result(r, i, images, cat_ids, iou_types, problems)
    problems.raise_if_any()
    converted = Counter()
    if "segm" in iou_types:
        results = [_compressed(r, images[r["image_id"]], converted) for r in results]
    notes = [
        f"converted {n} {kind} segmentation{'s' if n > 1 else ''} to compressed RLE"
        for kind, n in converted.items()
    ]
    per_pair = Counter((r["image_id"], r["category_id"]) for r in results)
    over = sum(n - max_dets for n in per_pair.values() if n > max_dets)
    if over:
        notes.append(
            f"{over} detections are not counted: beyond the {max_dets} highest-scoring per image "
            f"and category (COCO maxDets), in {sum(n > max_dets for n in per_pair.values())} pairs"
        )
    if not results:
        notes.append(f"{path} holds no results: every AP and AR is 0")
    return results, notes


def _check_result(r, i, images, cat_ids, iou_types, problems):
    img = images.get(_id(r.get("image_id")))
    if img is None:
        problems.add("image_id absent from the ground truth", i, f"image_id {r.get('image_id')!r}")
    if _id(r.get("category_id")) not in cat_ids:
        detail = f"category_id {r.get('category_id')!r}"
        problems.add("category_id absent from the ground truth", i, detail)
    if not _is_number(r.get("score")):
        problems.add("no finite 'score'", i, f"score {r.get('score')!r}")
    if "bbox" in iou_types:
        box_problem = _box_problem(r["bbox"]) if "bbox" in r else "no 'bbox' (needed for bbox)"
        if box_problem:
            problems.add("bad bbox", i, box_problem)
    if "segm" in iou_types:
        if "segmentation" not in r:
            problems.add("bad segmentation", i, "no 'segmentation' (needed for segm)")
        elif img is not None:
            segm_problem = _segm_problem(r["segmentation"], img["height"], img["width"])
            if segm_problem:
                problems.add("bad segmentation", i, segm_problem)


def _compressed(r, img, converted):
    segm = r["segmentation"]
    if isinstance(segm, dict) and isinstance(segm["counts"], str):
        return r
    h, w = img["height"], img["width"]
    if isinstance(segm, list):
        rle = mask_util.merge(mask_util.frPyObjects(segm, h, w))
        converted["polygon"] += 1
    else:
        rle = mask_util.frPyObjects(segm, h, w)
        converted["uncompressed-RLE"] += 1
    return {**r, "segmentation": {"size": [h, w], "counts": rle["counts"].decode("ascii")}}
