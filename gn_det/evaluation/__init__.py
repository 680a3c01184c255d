"""COCO evaluation: faster-coco-eval metrics, the detectron2 evaluator, checks, tables, plots."""

from .coco_eval import IOU_TYPES, STAT_NAMES, CocoMetrics, evaluate_coco, load_coco_gt
from .errors import EvaluationInputError
from .evaluator import FastCOCOEvaluator
from .metrics_file import read_metrics, write_metrics

__all__ = [
    "IOU_TYPES",
    "STAT_NAMES",
    "CocoMetrics",
    "EvaluationInputError",
    "FastCOCOEvaluator",
    "evaluate_coco",
    "load_coco_gt",
    "read_metrics",
    "write_metrics",
]
