"""PNG plots of a study's results (``report.py``), from runs.csv, summary.csv and curves.csv:

- metric vs images per batch (log2 axis, large to small as in the paper): per norm the mean
  line, its 95 % CI band and every run as a dot; the equal-iterations schedule dashed in a
  panel of its own, other schedules dotted; the paper's ImageNet curve in a separate panel
  labelled as such;
- metric vs GN group count and vs channels per group, with CIs, dots and the paper's panel;
- learning curves: the mean over seeds and the band of the seeds (min to max) of every cell;
- the carry-over variants per schedule, and their paired differences, with CIs.

One module per kind of figure; each ``*_figure`` function returns a matplotlib Figure (or
None without data), ``write_plots`` saves them. ``plot_sweep`` draws a sweep's scratch
results (its output folder, no statistics).
"""

import os

from ...evaluation.plots import save_figure
from ..claims import RunIndex
from .batch import batch_figure
from .carryover import carryover_figure
from .curves import curves_figure
from .groups import groups_figure
from .scratch import plot_sweep
from .style import METRIC_LABELS, metric_label


def write_plots(results_dir, runs, summary, curves):
    """Every plot the data allows, as PNGs in ``results_dir``; their paths."""
    index = RunIndex(runs)
    written = []
    for metric in sorted({r["metric"] for r in runs}):
        figures = (
            (f"{metric}_vs_batch.png", batch_figure(summary, index, metric)),
            (f"{metric}_vs_groups.png", groups_figure(summary, index, metric)),
            (f"{metric}_carryover.png", carryover_figure(index, metric)),
            (f"{metric}_curves.png", curves_figure(curves, metric)),
        )
        for name, fig in figures:
            if fig is not None:
                written.append(save_figure(fig, os.path.join(results_dir, name)))
    return written


__all__ = [
    "METRIC_LABELS",
    "batch_figure",
    "carryover_figure",
    "curves_figure",
    "groups_figure",
    "metric_label",
    "plot_sweep",
    "write_plots",
]
