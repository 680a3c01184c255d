"""The machine-readable metrics file: every COCO stat, per-category AP and PR curves per task.

Written by the evaluator (``inference/coco_metrics.json``) and by ``tools/evaluate.py --out``;
read by ``tools/compare_runs.py``. Values are percent, ``null`` where COCO cannot compute
them (no ground truth in that area range or category).
"""

import json
import os

from .coco_eval import IOU_TYPES
from .errors import EvaluationInputError

FORMAT = "gn_det.coco_metrics/1"


def write_metrics(path, metrics, **meta):
    """Write ``{task: CocoMetrics}`` and ``meta`` (dataset, gt, results, ...) to ``path``."""
    data = {"format": FORMAT, **meta}
    data.update({task: m.to_dict() for task, m in metrics.items()})
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    return path


def is_metrics_file(data):
    """True if parsed JSON ``data`` is a metrics file (any version of the format)."""
    return isinstance(data, dict) and str(data.get("format", "")).startswith("gn_det.coco_metrics")


def read_metrics(path):
    """The parsed metrics file at ``path``; EvaluationInputError if it is not one."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise EvaluationInputError(f"metrics file {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise EvaluationInputError(f"metrics file {path} is not valid JSON ({e})") from None
    if not is_metrics_file(data):
        raise EvaluationInputError(
            f'{path} is not a gn_det metrics file (no "format": "{FORMAT}"); write one with '
            "tools/evaluate.py --out, or pass the run folder"
        )
    if not any(task in data for task in IOU_TYPES):
        raise EvaluationInputError(f"{path} holds no bbox or segm metrics")
    for task in IOU_TYPES:
        entry = data.get(task, {"stats": {}})
        if not isinstance(entry, dict) or not isinstance(entry.get("stats"), dict):
            raise EvaluationInputError(f"{path}: {task!r} holds no 'stats' object")
    return data
