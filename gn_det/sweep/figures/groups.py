"""Metric vs GN group count and vs channels per group, with CIs and every run, and the paper's
group counts beside (its Table 3 as a curve)."""

from matplotlib.figure import Figure

from ...evaluation.plots import add_legend
from .. import paper
from ..claims import DEFAULT_SCHEDULE
from .style import log2_axis, mean_line, metric_label, run_dots, series_label


def groups_figure(summary, index, metric):
    """Metric vs GN groups and vs channels per group (ours, per batch and schedule), and the
    paper's group counts in their own panel."""
    rows = [
        r
        for r in summary
        if r["metric"] == metric
        and r["norm"] == "GN"
        and not r["variant"]
        and (r["groups"] or r["channels_per_group"])
        and r["n"]
    ]
    if not rows:
        return None
    reference = metric == "top1_error"
    panels = [
        (k, label)
        for k, label in (
            ("groups", "GN groups per layer"),
            ("channels_per_group", "channels per group"),
        )
        if any(r[k] for r in rows)
    ]
    fig = Figure(figsize=(5.2 * (len(panels) + reference), 4.4))
    n = len(panels) + reference
    for i, (key, label) in enumerate(panels, 1):
        ax = fig.add_subplot(1, n, i)
        lines = {}
        for r in rows:
            if r[key]:
                lines.setdefault((r["batch"], r["schedule"] or DEFAULT_SCHEDULE), []).append(r)
        ticks = []
        for j, ((batch, schedule), line) in enumerate(sorted(lines.items(), reverse=True)):
            line.sort(key=lambda r: r[key])
            xs = [r[key] for r in line]
            ticks += xs
            color = f"C{j}"
            mean_line(ax, xs, line, color, schedule, series_label(f"batch {batch}", schedule))
            pick = {"groups": "groups", "channels_per_group": "cpg"}[key]
            run_dots(
                ax,
                [
                    (x, index.values(metric, "GN", batch, schedule=schedule, **{pick: x}))
                    for x in xs
                ],
                color,
            )
        log2_axis(ax, ticks, label)
        ax.set_ylabel(metric_label(metric))
        ax.set_title(f"ours: GN, {label}", fontsize="medium")
        add_legend(ax)
    if reference:
        ref = fig.add_subplot(1, n, n)
        xs = sorted(paper.GROUPS_ERROR)
        ref.plot(
            xs,
            [paper.GROUPS_ERROR[x] for x in xs],
            marker="o",
            ms=4,
            color="C3",
            label="GN, G groups (G=1: LN)",
        )
        ref.plot(
            [1],
            [paper.ONE_CHANNEL_PER_GROUP_ERROR],
            marker="s",
            color="C6",
            linestyle="none",
            label="1 channel per group (IN)",
        )
        log2_axis(ref, xs, "GN groups per layer")
        ref.set_ylabel("top-1 error (%)")
        ref.set_title(f"{paper.REFERENCE_LABEL}, batch 32", fontsize="medium")
        add_legend(ref)
    return fig
