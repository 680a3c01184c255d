"""Learning curves: per cell the mean over seeds at each evaluation and the seeds' band."""

from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from ...evaluation.plots import add_legend
from ..claims import DEFAULT_SCHEDULE, LOWER_IS_BETTER, schedule_parts
from ..summary import NORM_ORDER
from .style import metric_label, schedule_linestyle, series_label


def curve_cells(curves, metric):
    """{(variant or norm): {(batch, groups, cpg, schedule): {seed: [(x, value)]}}} and
    whether x is epochs (else training images seen)."""
    points = [c for c in curves if c["metric"] == metric and c["value"] is not None]
    epochs = bool(points) and all(c["epoch"] is not None for c in points)
    panels = {}
    for c in points:
        panel = c["variant"] or c["norm"]
        line = (
            c["batch"],
            c["groups"] or 0,
            c["channels_per_group"] or 0,
            c["schedule"] or DEFAULT_SCHEDULE,
        )
        x = c["epoch"] if epochs else c["iteration"] * c["batch"]
        seed = (c["pretrain_seed"], c["seed"])
        panels.setdefault(panel, {}).setdefault(line, {}).setdefault(seed, []).append(
            (x, c["value"])
        )
    return panels, epochs


def values_at(seeds):
    """The evaluation points of a cell's runs ``{seed: [(x, value)]}``, sorted, and
    ``{x: [each run's value there]}``."""
    at = {}
    for values in seeds.values():
        for x, v in values:
            at.setdefault(x, []).append(v)
    return sorted(at), at


def panel_order(name):
    """Sort key of a norm or variant: the norms in their usual order, then the rest."""
    return (NORM_ORDER.index(name) if name in NORM_ORDER else 99, name)


def line_order(line):
    """Sort key of a cell ``(batch, groups, cpg, schedule)``: largest batch first."""
    return (-line[0], line[1], line[2], schedule_parts(line[3]))


def group_suffix(groups, cpg):
    """``, G=16`` or ``, 16 ch/group`` for a GN group setting; empty for none."""
    return (f", G={groups}" if groups else "") + (f", {cpg} ch/group" if cpg else "")


def _line_label(batch, groups, cpg, schedule):
    label = f"batch {batch}" + group_suffix(groups, cpg)
    return series_label(label, schedule)


def curves_figure(curves, metric):
    """Learning curves: per cell the mean over seeds at each evaluation, and the seeds'
    band (min to max); one panel per norm or variant. An error falls from near chance to a
    few percent, so its axis is logarithmic: the plateau, where convergence shows, stays
    legible."""
    panels, epochs = curve_cells(curves, metric)
    if not panels:
        return None
    names = sorted(panels, key=panel_order)
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig = Figure(figsize=(5.0 * cols, 3.8 * rows))
    for i, name in enumerate(names, 1):
        ax = fig.add_subplot(rows, cols, i)
        for j, (line, seeds) in enumerate(
            sorted(panels[name].items(), key=lambda kv: line_order(kv[0]))
        ):
            xs, at = values_at(seeds)
            color = f"C{j % 10}"
            ax.plot(
                xs,
                [sum(at[x]) / len(at[x]) for x in xs],
                color=color,
                marker=".",
                linestyle=schedule_linestyle(line[3]),
                label=_line_label(*line) + f" ({len(seeds)} run{'s' * (len(seeds) != 1)})",
            )
            if len(seeds) > 1:
                ax.fill_between(
                    xs,
                    [min(at[x]) for x in xs],
                    [max(at[x]) for x in xs],
                    color=color,
                    alpha=0.15,
                    linewidth=0,
                )
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("epoch" if epochs else "training images seen (iterations x batch)")
        ax.set_ylabel(metric_label(metric))
        values = (v for seeds in panels[name].values() for vs in seeds.values() for _, v in vs)
        if LOWER_IS_BETTER.get(metric, False) and min(values) > 0:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
        ax.grid(alpha=0.3, which="both")
        add_legend(ax)
    return fig
