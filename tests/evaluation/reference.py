"""The reference: pycocotools' own COCOeval, run the way gn_det evaluates (task fields only)."""

import contextlib
import copy
import io

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from gn_det.evaluation.coco_eval import TASK_FIELDS


def pycocotools_eval(gt, results, iou_type, img_ids=None):
    """pycocotools' summarized COCOeval of ``results`` (list) against ``gt`` (dict); not mutated."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        dets = [{k: copy.deepcopy(r[k]) for k in TASK_FIELDS[iou_type]} for r in results]
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(dets), iou_type)
        if img_ids is not None:
            coco_eval.params.imgIds = list(img_ids)
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return coco_eval
