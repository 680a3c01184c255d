"""PNG plots of runs: precision-recall curves, per-category AP bars, training curves.

Figures are drawn with matplotlib's Agg canvas (no display, no pyplot state). Each function
writes one PNG and returns notes naming the runs that lack the data it plots.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .coco_eval import IOU_TYPES


def save_figure(fig, path):
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def add_legend(ax):
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")


def _lacking(runs, has, what):
    missing = [r.label for r in runs if not has(r)]
    return [f"{what}: no data for {', '.join(missing)}"] if missing else []


def _curve(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def plot_pr_curves(runs, path):
    """Precision vs recall at IoU 0.50 and 0.75 (mean over categories), a row per task."""
    tasks = [t for t in IOU_TYPES if any(t in r.pr_curves for r in runs)]
    notes = _lacking(runs, lambda r: r.pr_curves, "precision-recall curves")
    if not tasks:
        return None, notes
    fig = Figure(figsize=(10, 4 * len(tasks)))
    for row, task in enumerate(tasks):
        for col, iou in enumerate(("0.50", "0.75")):
            ax = fig.add_subplot(len(tasks), 2, 2 * row + col + 1)
            for i, run in enumerate(runs):
                curve = run.pr_curves.get(task)
                if curve:
                    ax.plot(curve["recall"], _curve(curve[iou]), color=f"C{i}", label=run.label)
            ax.set(title=f"{task}, IoU {iou}", xlabel="recall", ylabel="precision")
            ax.set(xlim=(0, 1), ylim=(0, 1.02))
            ax.grid(alpha=0.3)
            add_legend(ax)
    return save_figure(fig, path), notes


def plot_per_category_ap(runs, path):
    """Grouped bars of each category's AP, one bar per run, a panel per task.

    A category without ground truth (AP not computable) gets no bar.
    """
    tasks = [t for t in IOU_TYPES if any(r.per_category.get(t) for r in runs)]
    notes = _lacking(runs, lambda r: any(r.per_category.values()), "per-category AP")
    if not tasks:
        return None, notes
    categories = {
        t: list(dict.fromkeys(c for r in runs for c in r.per_category.get(t, {}))) for t in tasks
    }
    most = max(len(c) for c in categories.values())
    drawn = [(i, r) for i, r in enumerate(runs) if any(r.per_category.values())]
    fig = Figure(figsize=(max(8, 0.3 * most * len(drawn) + 2), 4 * len(tasks)))
    width = 0.8 / len(drawn)
    for row, task in enumerate(tasks):
        ax = fig.add_subplot(len(tasks), 1, row + 1)
        x = np.arange(len(categories[task]))
        for k, (i, run) in enumerate(drawn):
            aps = run.per_category.get(task, {})
            values = _curve([aps.get(c) for c in categories[task]])
            offset = (k - (len(drawn) - 1) / 2) * width
            ax.bar(x + offset, values, width, color=f"C{i}", label=run.label)
        ax.set_xticks(x, categories[task], rotation=90 if most > 10 else 0)
        ax.set(title=f"{task} AP per category", ylabel="AP")
        ax.grid(axis="y", alpha=0.3)
        add_legend(ax)
    return save_figure(fig, path), notes


def plot_training_curves(runs, path):
    """Total loss and AP (bbox solid, segm dashed) over iterations, from runs' metrics.json."""
    notes = _lacking(runs, lambda r: r.loss or r.ap_curves, "training curves")
    if not any(r.loss or r.ap_curves for r in runs):
        return None, notes
    fig = Figure(figsize=(12, 4.5))
    loss_ax, ap_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for i, run in enumerate(runs):
        colour = f"C{i}"
        if run.loss:
            loss_ax.plot(*zip(*run.loss), color=colour, label=run.label)
        for task, style in zip(IOU_TYPES, ("-", "--")):
            if run.ap_curves.get(task):
                ap_ax.plot(
                    *zip(*run.ap_curves[task]),
                    style,
                    marker="o",
                    color=colour,
                    label=f"{run.label} {task}",
                )
    loss_ax.set(title="training loss", xlabel="iteration", ylabel="total_loss")
    ap_ax.set(title="AP during training", xlabel="iteration", ylabel="AP")
    for ax in (loss_ax, ap_ax):
        ax.grid(alpha=0.3)
        add_legend(ax)
    return save_figure(fig, path), notes
