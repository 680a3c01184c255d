"""A run to compare: its final COCO metrics and training curves, from a folder or a file.

A run folder (``OUTPUT_DIR`` of tools/train_net.py) gives its training curves from
``metrics.json`` and its metrics from ``inference/coco_metrics.json`` (all stats, per-category
AP, PR curves), or, without that file, from the last evaluation in ``metrics.json``. A file
is either a metrics file (tools/evaluate.py --out) or a run's ``metrics.json``.
"""

import glob
import json
import math
import os
from dataclasses import dataclass, field

from .coco_eval import IOU_TYPES, STAT_NAMES
from .errors import EvaluationInputError
from .metrics_file import is_metrics_file, read_metrics

TRAIN_METRICS = "metrics.json"


@dataclass
class Run:
    """What a run offers to compare; missing parts stay empty (and plots say so)."""

    label: str
    source: str
    stats: dict = field(default_factory=dict)  # task -> {stat name: percent or None}
    per_category: dict = field(default_factory=dict)  # task -> {category: AP or None}
    pr_curves: dict = field(default_factory=dict)  # task -> {"recall": [...], "0.50": [...]}
    loss: list = field(default_factory=list)  # [(iteration, total_loss)]
    ap_curves: dict = field(default_factory=dict)  # task -> [(iteration, AP)]


def _none_if_nan(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _add_metrics_file(run, data):
    for task in IOU_TYPES:
        if task in data:
            run.stats[task] = data[task]["stats"]
            run.per_category[task] = data[task].get("per_category_AP", {})
            curve = data[task].get("pr_curve", {})
            if curve:
                run.pr_curves[task] = {
                    "recall": curve["recall"],
                    "0.50": curve["precision@0.50"],
                    "0.75": curve["precision@0.75"],
                }


def _read_train_metrics(path):
    records = []
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise EvaluationInputError(
                    f"{path} line {n} is not JSON: expected a metrics file or detectron2's "
                    "metrics.json (JSON lines)"
                ) from None
    if not all(isinstance(r, dict) for r in records):
        raise EvaluationInputError(f"{path} is not detectron2's metrics.json (JSON objects)")
    return records


def _add_train_metrics(run, records, final_metrics):
    for r in records:
        if "total_loss" in r and "iteration" in r:
            run.loss.append((r["iteration"], r["total_loss"]))
        for task in IOU_TYPES:
            if f"{task}/AP" in r and "iteration" in r:
                run.ap_curves.setdefault(task, []).append((r["iteration"], r[f"{task}/AP"]))
            if final_metrics and f"{task}/AP" in r:
                run.stats[task] = {
                    n: _none_if_nan(r.get(f"{task}/{n}")) for n in STAT_NAMES if f"{task}/{n}" in r
                }
                prefix = f"{task}/AP-"
                run.per_category[task] = {
                    k[len(prefix) :]: _none_if_nan(v) for k, v in r.items() if k.startswith(prefix)
                }


def _run_metrics_file(folder):
    found = sorted(glob.glob(os.path.join(folder, "inference", "coco_metrics.json")))
    found = found or sorted(glob.glob(os.path.join(folder, "inference", "*", "coco_metrics.json")))
    if len(found) > 1:
        raise EvaluationInputError(
            f"{folder} has metrics of several test datasets ({', '.join(found)}): pass one file"
        )
    return found[0] if found else None


def _default_label(path):
    """A folder's name; for a run's own metrics file, the run folder's name; else the stem."""
    path = os.path.abspath(path)
    name = os.path.basename(path)
    if os.path.isdir(path):
        return name
    if name not in ("coco_metrics.json", TRAIN_METRICS):
        return os.path.splitext(name)[0]
    folders = path.split(os.sep)[:-1]
    if "inference" in folders:
        folders = folders[: len(folders) - 1 - folders[::-1].index("inference")]
    return folders[-1] if folders and folders[-1] else name


def _is_metrics_file(path):
    try:
        with open(path) as f:
            return is_metrics_file(json.load(f))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False


def load_run(path, label=None):
    """The ``Run`` of a run folder, metrics file or metrics.json; EvaluationInputError if none."""
    run = Run(label or _default_label(path), str(path))
    if os.path.isdir(path):
        metrics_file = _run_metrics_file(path)
        train_file = os.path.join(path, TRAIN_METRICS)
        if not metrics_file and not os.path.isfile(train_file):
            raise EvaluationInputError(
                f"{path} holds neither {TRAIN_METRICS} nor inference/coco_metrics.json"
            )
        if os.path.isfile(train_file):
            _add_train_metrics(run, _read_train_metrics(train_file), not metrics_file)
        if metrics_file:
            _add_metrics_file(run, read_metrics(metrics_file))
    elif not os.path.isfile(path):
        raise EvaluationInputError(f"{path} does not exist")
    elif _is_metrics_file(path):
        _add_metrics_file(run, read_metrics(path))
    else:
        _add_train_metrics(run, _read_train_metrics(path), True)
    if not run.stats:
        raise EvaluationInputError(f"{path} holds no bbox or segm evaluation")
    return run


def load_runs(paths, labels=None):
    """``Run`` per path, labelled by ``labels`` or their folder names (made unique)."""
    if labels and len(labels) != len(paths):
        raise EvaluationInputError(f"{len(labels)} --labels for {len(paths)} runs")
    runs = [load_run(p, labels[i] if labels else None) for i, p in enumerate(paths)]
    seen = {}
    for run in runs:
        n = seen[run.label] = seen.get(run.label, 0) + 1
        if n > 1:
            run.label = f"{run.label} ({n})"
    return runs
