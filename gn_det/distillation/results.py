"""What a distillation run writes besides the weights: results.json, a table, a plot."""

import json
import logging
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from tabulate import tabulate

from ..checkpoint.weights_pkl import backbone_metadata, detectron2_weights, save_weights_pkl
from ..evaluation.summary import logged_values
from ..modeling.norm import norm_metadata
from ..utils.atomic_file import atomic_open
from .resnet import STAGES

logger = logging.getLogger(__name__)

AUTHOR = "gn_det tools/distill_gn_backbone.py"


def error_table(before, after):
    """{stage: {"before", "after"}} of two {stage: error} dicts."""
    return {s: {"before": round(before[s], 5), "after": round(after[s], 5)} for s in STAGES}


def log_error_table(table):
    rows = [(s, v["before"], v["after"], f"{v['after'] / max(v['before'], 1e-12):.3f}")
            for s, v in table.items()]  # fmt: skip
    text = tabulate(rows, headers=["stage", "before", "after", "after/before"], floatfmt=".4f")
    logger.info(f"held-out relative feature error ||s - t|| / ||t||:\n{text}")


def write_results(path, results):
    """``results`` as indented JSON at ``path``, written atomically."""
    with atomic_open(path, "w") as f:
        json.dump(results, f, indent=2)
    return path


def error_history(metrics_json, max_iter):
    """{stage: {iterations done: error}} of the feature errors in a run's metrics.json."""
    keys = {stage: f"feature_error/{stage}" for stage in STAGES}
    logged = logged_values(metrics_json, list(keys.values()), max_iter)
    return {stage: logged[key] for stage, key in keys.items()}


def plot_feature_errors(metrics_json, max_iter, before, path):
    """PNG of each stage's held-out feature error vs iteration, from ``before`` at 0."""
    history = error_history(metrics_json, max_iter)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot(1, 1, 1)
    for i, stage in enumerate(STAGES):
        points = sorted({0: before[stage], **history[stage]}.items())
        ax.plot(*zip(*points), marker="o", color=f"C{i}", label=stage)
    ax.set(xlabel="iteration", ylabel="relative feature error", yscale="log",
           title="student vs teacher, held-out images")  # fmt: skip
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def export_student(path, student, spec, cfg, teacher, table):
    """Write the student as detectron2 weights, in tools/pretrain_backbone.py's format."""
    data = detectron2_weights(
        student.state_dict(), AUTHOR, norm=norm_metadata(spec), backbone=backbone_metadata(cfg),
        teacher=os.path.abspath(teacher), feature_error=table,
    )  # fmt: skip
    return save_weights_pkl(data, path)
