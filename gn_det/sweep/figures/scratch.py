"""A sweep's scratch plots, from its output folder's results (no statistics): the metric vs
images per batch (one line per norm, log2 axis, as the paper's Figure 1) and vs GN group
count or group size (the paper's Table 3 as a curve)."""

import os

from matplotlib.figure import Figure

from ...evaluation.plots import add_legend, save_figure
from ..results import line_label

# x axis of each plot: (row key, axis label, file suffix)
AXES = (
    ("batch", "images per batch", "batch"),
    ("groups", "GN groups per layer", "groups"),
    ("channels_per_group", "channels per group", "channels_per_group"),
)


def _series(rows, metric, x_key):
    """{line label: [(x, y)]} of finished rows that vary along ``x_key``."""
    lines = {}
    for r in rows:
        if r["status"] != "done" or r.get(metric) is None or not r.get(x_key):
            continue
        if x_key == "batch":
            label = line_label(r)
        else:  # one line per norm and batch size; the x value is the group setting
            label = f"{r['norm']}, batch {r['batch']}"
        lines.setdefault(label, []).append((r[x_key], r[metric]))
    return {k: sorted(v) for k, v in lines.items()}


def plot_sweep(rows, task, out_dir):
    """Write one PNG per metric and axis with at least two points on a line; their paths."""
    written = []
    for metric in task.metrics:
        for x_key, x_label, suffix in AXES:
            lines = _series(rows, metric, x_key)
            if not any(len(points) > 1 for points in lines.values()):
                continue
            fig = Figure(figsize=(6, 4.2))
            ax = fig.add_subplot()
            for label, points in lines.items():
                xs, ys = zip(*points)
                ax.plot(xs, ys, marker="o", label=label)
            ax.set_xscale("log", base=2)
            ticks = sorted({x for points in lines.values() for x, _ in points})
            ax.set_xticks(ticks, [str(t) for t in ticks])
            ax.minorticks_off()
            if x_key == "batch":
                ax.invert_xaxis()  # large to small batches, as in the paper
            ax.set_xlabel(x_label)
            ax.set_ylabel(task.labels[metric])
            better = "lower" if task.lower_is_better else "higher"
            ax.set_title(f"{task.labels[metric]} vs {x_label} ({better} is better)")
            ax.grid(alpha=0.3)
            add_legend(ax)
            written.append(save_figure(fig, os.path.join(out_dir, f"{metric}_vs_{suffix}.png")))
    return written
