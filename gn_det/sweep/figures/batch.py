"""Metric vs images per batch (log2, large to small as in the paper): per norm the mean, its
CI band and every run; equal iterations in a panel of their own; the paper's curve beside."""

from matplotlib.figure import Figure

from ...evaluation.plots import add_legend
from .. import paper
from ..claims import DEFAULT_SCHEDULE, schedule_parts
from ..summary import NORM_ORDER
from .style import (
    log2_axis,
    mean_line,
    metric_label,
    norm_color,
    run_dots,
    series_label,
)


def _plain_cells(summary, metric):
    """{(norm, schedule): [summary rows by batch]} of norm cells without variant/groups."""
    series = {}
    for r in summary:
        if (
            r["metric"] == metric
            and not r["variant"]
            and not r["groups"]
            and not r["channels_per_group"]
            and r["n"]
        ):
            series.setdefault((r["norm"], r["schedule"] or DEFAULT_SCHEDULE), []).append(r)
    return {k: sorted(v, key=lambda r: r["batch"]) for k, v in series.items()}


def batch_figure(summary, index, metric):
    """Metric vs images per batch (ours: equal epochs, and equal iterations in a panel of
    its own, whose errors near chance would squash the others), and the paper's curve."""
    series = _plain_cells(summary, metric)
    if not series:
        return None
    order = sorted(
        series,
        key=lambda k: (NORM_ORDER.index(k[0]) if k[0] in NORM_ORDER else 99, schedule_parts(k[1])),
    )
    panels = [
        ("ours: mean, 95% CI band, every run a dot", [k for k in order if not _iters(k[1])]),
        ("ours, equal iterations (those of the base batch)", [k for k in order if _iters(k[1])]),
    ]
    panels = [(title, keys) for title, keys in panels if keys]
    reference = metric == "top1_error"
    columns = len(panels) + reference
    fig = Figure(figsize=(5.5 * columns if columns > 1 else 6.5, 4.4))
    for column, (title, keys) in enumerate(panels, 1):
        ax = fig.add_subplot(1, columns, column)
        ticks = []
        for norm, schedule in keys:
            rows = series[(norm, schedule)]
            xs = [r["batch"] for r in rows]
            ticks += xs
            color = norm_color(norm)
            mean_line(ax, xs, rows, color, schedule, series_label(norm, schedule))
            run_dots(ax, [(x, index.values(metric, norm, x, schedule=schedule)) for x in xs], color)
        log2_axis(ax, ticks, "images per batch", invert=True)
        ax.set_ylabel(metric_label(metric))
        ax.set_title(title, fontsize="medium")
        add_legend(ax)
    if reference:
        ref = fig.add_subplot(1, columns, columns)
        for norm, values in paper.BATCH_ERROR.items():
            xs = sorted(values)
            ref.plot(
                xs, [values[x] for x in xs], marker="o", ms=4, color=norm_color(norm), label=norm
            )
        for norm in ("LN", "IN"):
            ref.plot(
                [32],
                [paper.NORM_ERROR_32[norm]],
                marker="s",
                color=norm_color(norm),
                linestyle="none",
                label=f"{norm} (batch 32)",
            )
        log2_axis(ref, list(paper.BATCH_ERROR["GN"]), "images per GPU", invert=True)
        ref.set_ylabel("top-1 error (%)")
        ref.set_title(paper.REFERENCE_LABEL, fontsize="medium")
        add_legend(ref)
    return fig


def _iters(schedule):
    return schedule_parts(schedule)[0] == "iters"
