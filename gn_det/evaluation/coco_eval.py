"""COCO bbox/segm metrics with faster-coco-eval: pycocotools' numbers, from C++, without _C.

``evaluate_coco`` runs faster-coco-eval's ``COCOeval_faster`` on a ground-truth index and a
list of results and returns ``CocoMetrics``: the 12 standard stats, per-category AP and the
precision array (for precision-recall curves).
"""

import logging
from dataclasses import dataclass

import numpy as np
from faster_coco_eval import COCO, COCOeval_faster
from faster_coco_eval.core import mask as mask_util

logger = logging.getLogger(__name__)

IOU_TYPES = ("bbox", "segm")
# The 12 entries of COCOeval.stats, in order, with detectron2's names for the first six.
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl")
STAT_NAMES += ("AR1", "AR10", "AR100", "ARs", "ARm", "ARl")
# The fields of one result in the official format of each task (segm uses the mask area).
TASK_FIELDS = {
    "bbox": ("image_id", "category_id", "bbox", "score"),
    "segm": ("image_id", "category_id", "segmentation", "score"),
}


def load_coco_gt(gt):
    """faster-coco-eval's ``COCO`` index of a ground-truth file path or dict (not copied)."""
    return COCO(gt, print_function=logger.debug)


def require_field(results, iou_type):
    """Raise ValueError unless every result has the field ``iou_type`` evaluates."""
    field = TASK_FIELDS[iou_type][2]
    missing = sum(1 for r in results if field not in r)
    if missing:
        raise ValueError(
            f"{missing} of {len(results)} results have no {field!r}, needed for {iou_type}"
        )


def load_results(coco_gt, results, iou_type):
    """Index of ``results`` for ``iou_type``, with the fields ``COCO.loadRes`` derives.

    Equal to ``coco_gt.loadRes`` on the task's fields, but built in batch and without
    mutating ``results``. Segm results lose their box, as in detectron2: small/medium/large
    then use the mask area. Masks must be compressed RLE (the results format).
    """
    require_field(results, iou_type)
    unknown = {r["image_id"] for r in results} - set(coco_gt.imgs)
    if unknown:
        raise ValueError(f"results refer to {len(unknown)} image ids absent from the ground truth")
    keys = ("image_id", "category_id", "score")
    anns = [{k: r[k] for k in keys} for r in results]
    if iou_type == "bbox":
        for i, (ann, r) in enumerate(zip(anns, results), 1):
            x, y, w, h = r["bbox"]
            ann.update(bbox=[x, y, w, h], area=w * h, id=i, iscrowd=0)
    else:
        segms = [r["segmentation"] for r in results]
        areas = mask_util.area(segms).tolist() if segms else []
        boxes = mask_util.toBbox(segms).tolist() if segms else []
        for i, (ann, segm, area, box) in enumerate(zip(anns, segms, areas, boxes), 1):
            ann.update(segmentation=segm, area=area, bbox=box, id=i, iscrowd=0)
    coco_dt = COCO(print_function=logger.debug)
    coco_dt.dataset = {
        "images": coco_gt.dataset["images"],
        "categories": coco_gt.dataset["categories"],
        "annotations": anns,
    }
    coco_dt.createIndex()
    return coco_dt


@dataclass
class CocoMetrics:
    """What one COCO evaluation gives: stats, per-category AP and the precision array."""

    iou_type: str
    stats: np.ndarray  # COCOeval.stats: 12 fractions, -1 where no ground truth is in range
    precision: np.ndarray  # COCOeval.eval["precision"]: [IoU, recall, category, area, maxDets]
    category_ids: list
    category_names: list
    iou_thresholds: np.ndarray
    recall_thresholds: np.ndarray
    num_results: int
    num_images: int

    def stats_percent(self):
        """{name: percent} of the 12 stats; NaN where COCO reports -1 (no ground truth)."""
        return {n: float(s * 100) if s >= 0 else np.nan for n, s in zip(STAT_NAMES, self.stats)}

    def per_category_ap(self):
        """{category name: AP in percent} at all areas and the largest maxDets; NaN without GT."""
        aps = {}
        for k, name in enumerate(self.category_names):
            p = self.precision[:, :, k, 0, -1]
            aps[name] = float(p[p > -1].mean() * 100) if (p > -1).any() else float("nan")
        return aps

    def pr_curve(self, iou):
        """Precision at each recall threshold and IoU ``iou``, averaged over categories with GT."""
        t = int(np.argmin(np.abs(self.iou_thresholds - iou)))
        if not np.isclose(self.iou_thresholds[t], iou):
            raise ValueError(f"IoU {iou} is not one of the thresholds {self.iou_thresholds}")
        p = self.precision[t, :, :, 0, -1]
        valid = p > -1
        counts = valid.sum(axis=1)
        sums = np.where(valid, p, 0).sum(axis=1)
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def to_dict(self):
        """JSON-ready summary (percent; null where not computable), as written by ``--out``."""
        return {
            "stats": _nan_to_none(self.stats_percent()),
            "per_category_AP": _nan_to_none(self.per_category_ap()),
            "pr_curve": {
                "recall": [float(r) for r in self.recall_thresholds],
                "precision@0.50": _nan_to_none(self.pr_curve(0.5).tolist()),
                "precision@0.75": _nan_to_none(self.pr_curve(0.75).tolist()),
            },
            "num_results": self.num_results,
            "num_images": self.num_images,
        }


def _nan_to_none(values):
    if isinstance(values, dict):
        return {k: None if np.isnan(v) else v for k, v in values.items()}
    return [None if np.isnan(v) else v for v in values]


def evaluate_coco(coco_gt, results, iou_type, img_ids=None, max_dets=(1, 10, 100)):
    """Evaluate ``results`` (COCO result dicts) against ``coco_gt`` (``load_coco_gt``).

    Identical to pycocotools' ``COCOeval`` run on the same task results. Empty results give
    zeros (AP 0 for every category with ground truth) instead of failing.
    """
    if iou_type not in IOU_TYPES:
        raise ValueError(f"iou_type {iou_type!r} is not one of {IOU_TYPES}")
    coco_dt = load_results(coco_gt, results, iou_type)
    coco_eval = COCOeval_faster(coco_gt, coco_dt, iou_type, print_function=logger.debug)
    coco_eval.params.maxDets = list(max_dets)
    if img_ids is not None:
        coco_eval.params.imgIds = list(img_ids)
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    cat_ids = [int(c) for c in coco_eval.params.catIds]
    names = [c["name"] for c in coco_gt.loadCats(cat_ids)]
    repeated = {n for n in names if names.count(n) > 1}
    names = [f"{n} (id {i})" if n in repeated else n for n, i in zip(names, cat_ids)]
    return CocoMetrics(
        iou_type=iou_type,
        stats=np.asarray(coco_eval.stats[: len(STAT_NAMES)], dtype=float),
        precision=coco_eval.eval["precision"],
        category_ids=cat_ids,
        category_names=names,
        iou_thresholds=np.asarray(coco_eval.params.iouThrs),
        recall_thresholds=np.asarray(coco_eval.params.recThrs),
        num_results=len(results),
        num_images=len(coco_eval.params.imgIds),
    )
