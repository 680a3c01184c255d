"""Checks of a ground-truth file and a results file before offline COCO evaluation.

COCO tools either crash deep inside (or, for a NaN polygon, exhaust memory) or silently
ignore results that do not match the ground truth; these checks stop with one line naming
the file, how many entries are wrong and the first of them. Polygon and uncompressed-RLE
result masks are converted to compressed RLE (the results format), and said so.
"""

import json
import math
import shlex
from collections import Counter

from faster_coco_eval.core import mask as mask_util

from ..coco.check import check_coco_data, is_box, segmentation_problems
from ..coco.problems import errors_of
from ..coco.report import one_line
from .errors import EvaluationInputError


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
    if not is_box(box) or not all(math.isfinite(v) for v in box):
        return f"bbox {box!r} is not 4 finite numbers [x, y, w, h]"
    if box[2] < 0 or box[3] < 0:
        return f"bbox {box!r} has a negative width or height"
    return None


def _segm_problem(segm, height, width):
    """Why ``segm`` is not a valid polygon list or RLE of a ``height`` x ``width`` image."""
    found = segmentation_problems(segm, height, width)
    return f"segmentation {found[0][2]}" if found else None


def check_gt(gt, path, iou_types=("bbox",)):
    """Raise EvaluationInputError unless ``gt`` is COCO instances data usable as ground truth
    for ``iou_types``: the problems of gn_det's COCO checker that affect evaluation."""
    use = "eval-segm" if "segm" in iou_types else "eval-bbox"
    problems = errors_of(check_coco_data(gt, name=path), use)
    if problems:
        raise EvaluationInputError(
            f"{path} is not usable as ground truth: {one_line(problems)}. Full report: python "
            f"tools/check_dataset.py --json {shlex.quote(str(path))}"
        )


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
