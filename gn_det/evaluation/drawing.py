"""Predictions (masks, boxes, classes, scores) drawn over an image by detectron2's Visualizer."""

import numpy as np
import torch
from detectron2.structures import Boxes, Instances
from detectron2.utils.visualizer import Visualizer
from faster_coco_eval.core import mask as mask_util


def results_to_instances(results, height, width, contiguous_id):
    """detectron2 ``Instances`` of one image's COCO results (compressed-RLE masks, if any).

    ``contiguous_id`` maps dataset category ids to the class indices of ``thing_classes``.
    A result without a box gets its mask's box.
    """
    inst = Instances((height, width))
    masks = None
    if results and all("segmentation" in r for r in results):
        masks = mask_util.decode([r["segmentation"] for r in results]).transpose(2, 0, 1)
        inst.pred_masks = torch.from_numpy(masks.astype(bool))
    if results and all("bbox" in r for r in results):
        boxes = np.array([r["bbox"] for r in results], dtype=np.float32)
    elif masks is not None:
        boxes = mask_util.toBbox([r["segmentation"] for r in results]).astype(np.float32)
    else:
        boxes = np.zeros((len(results), 4), np.float32)
    boxes = boxes.reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]  # XYWH -> XYXY
    inst.pred_boxes = Boxes(torch.from_numpy(boxes))
    inst.scores = torch.tensor([float(r["score"]) for r in results], dtype=torch.float32)
    inst.pred_classes = torch.tensor([contiguous_id[r["category_id"]] for r in results])
    return inst


def draw_instances(image_bgr, instances, metadata, path, scale=1.0):
    """Write ``image_bgr`` (HxWx3 uint8) with ``instances`` drawn over it to the PNG ``path``."""
    vis = Visualizer(image_bgr[:, :, ::-1], metadata, scale=scale)
    vis.draw_instance_predictions(instances.to("cpu")).save(str(path))
    return path
