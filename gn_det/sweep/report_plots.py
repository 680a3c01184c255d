"""PNG plots of a study's results (``report.py``), from runs.csv, summary.csv and curves.csv:

- metric vs images per batch (log2 axis, large to small as in the paper): per norm the mean
  line, its 95 % CI band and every run as a dot; the equal-iterations schedule dashed in a
  panel of its own, other schedules dotted; the paper's ImageNet curve in a separate panel
  labelled as such;
- metric vs GN group count and vs channels per group, with CIs, dots and the paper's panel;
- learning curves: the mean over seeds and the band of the seeds (min to max) of every cell;
- the carry-over variants per schedule, and their paired differences, with CIs.

Each ``*_figure`` function returns a matplotlib Figure (or None without data); ``write_plots``
saves them.
"""

import os

from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from ..evaluation.plots import _legend, _save
from . import paper
from .claims import (
    DEFAULT_SCHEDULE,
    LOWER_IS_BETTER,
    RunIndex,
    carryover_comparisons,
    carryover_roles,
    paired_difference,
    role_text,
    schedule_parts,
)
from .stats import mean_ci
from .summary import NORM_ORDER

METRIC_LABELS = {"top1_error": "top-1 error (%)", "bbox_ap": "box AP", "segm_ap": "mask AP"}
JITTER = (0.0, -0.04, 0.04, -0.08, 0.08, -0.12, 0.12)  # log2 offsets of the seeds' dots


def metric_label(metric):
    better = "lower" if LOWER_IS_BETTER.get(metric, False) else "higher"
    return f"{METRIC_LABELS.get(metric, metric)} ({better} is better)"


def _color(norm):
    return f"C{NORM_ORDER.index(norm) if norm in NORM_ORDER else len(NORM_ORDER)}"


def _linestyle(schedule):
    base, scale = schedule_parts(schedule)
    if base == "iters":
        return "--"
    return "-" if scale == 1 else ":"


def _series_label(norm, schedule):
    if schedule in ("", DEFAULT_SCHEDULE):
        return norm
    base, scale = schedule_parts(schedule)
    text = "equal iterations" if base == "iters" else "equal epochs"
    return f"{norm} ({text}{f', x{scale:g}' if scale != 1 else ''})"


def _dots(ax, xs_values, color, log2=True):
    """Every run as a dot, spread a little sideways so that equal values stay visible."""
    px, py = [], []
    for x, values in xs_values:
        for i, v in enumerate(values):
            offset = JITTER[i % len(JITTER)]
            px.append(x * 2**offset if log2 else x + offset)
            py.append(v)
    if px:
        ax.scatter(px, py, s=12, color=color, alpha=0.6, zorder=3, linewidths=0)


def _band(ax, xs, rows, color):
    ci = [
        (x, r["ci_low"], r["ci_high"])
        for x, r in zip(xs, rows)
        if r["ci_low"] is not None and r["ci_high"] is not None
    ]
    if ci:
        bx, lo, hi = zip(*ci)
        if len(bx) == 1:
            ax.errorbar(
                bx,
                [(a + b) / 2 for a, b in zip(lo, hi)],
                yerr=[(b - a) / 2 for a, b in zip(lo, hi)],
                color=color,
                capsize=3,
                linestyle="none",
            )
        else:
            ax.fill_between(bx, lo, hi, color=color, alpha=0.18, linewidth=0)


def _mean_line(ax, xs, rows, color, schedule, label):
    """The mean of summary ``rows`` at ``xs``, styled by schedule, with its CI band."""
    ax.plot(
        xs,
        [r["mean"] for r in rows],
        marker="o",
        ms=4,
        color=color,
        linestyle=_linestyle(schedule),
        label=label,
    )
    _band(ax, xs, rows, color)


def _log2_axis(ax, ticks, label, invert=False):
    ax.set_xscale("log", base=2)
    ticks = sorted(set(ticks))
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(ticks[0] / 1.3, ticks[-1] * 1.3)  # room for the dots, also with one tick
    if invert:
        ax.invert_xaxis()  # large to small batches, as in the paper
    ax.set_xlabel(label)
    ax.grid(alpha=0.3)


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
            color = _color(norm)
            _mean_line(ax, xs, rows, color, schedule, _series_label(norm, schedule))
            _dots(ax, [(x, index.values(metric, norm, x, schedule=schedule)) for x in xs], color)
        _log2_axis(ax, ticks, "images per batch", invert=True)
        ax.set_ylabel(metric_label(metric))
        ax.set_title(title, fontsize="medium")
        _legend(ax)
    if reference:
        ref = fig.add_subplot(1, columns, columns)
        for norm, values in paper.BATCH_ERROR.items():
            xs = sorted(values)
            ref.plot(xs, [values[x] for x in xs], marker="o", ms=4, color=_color(norm), label=norm)
        for norm in ("LN", "IN"):
            ref.plot(
                [32],
                [paper.NORM_ERROR_32[norm]],
                marker="s",
                color=_color(norm),
                linestyle="none",
                label=f"{norm} (batch 32)",
            )
        _log2_axis(ref, list(paper.BATCH_ERROR["GN"]), "images per GPU", invert=True)
        ref.set_ylabel("top-1 error (%)")
        ref.set_title(paper.REFERENCE_LABEL, fontsize="medium")
        _legend(ref)
    return fig


def _iters(schedule):
    return schedule_parts(schedule)[0] == "iters"


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
            _mean_line(ax, xs, line, color, schedule, _series_label(f"batch {batch}", schedule))
            pick = {"groups": "groups", "channels_per_group": "cpg"}[key]
            _dots(
                ax,
                [
                    (x, index.values(metric, "GN", batch, schedule=schedule, **{pick: x}))
                    for x in xs
                ],
                color,
            )
        _log2_axis(ax, ticks, label)
        ax.set_ylabel(metric_label(metric))
        ax.set_title(f"ours: GN, {label}", fontsize="medium")
        _legend(ax)
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
        _log2_axis(ref, xs, "GN groups per layer")
        ref.set_ylabel("top-1 error (%)")
        ref.set_title(f"{paper.REFERENCE_LABEL}, batch 32", fontsize="medium")
        _legend(ref)
    return fig


def _curve_cells(curves, metric):
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


def _line_label(batch, groups, cpg, schedule):
    label = f"batch {batch}" + (f", G={groups}" if groups else "")
    label += f", {cpg} ch/group" if cpg else ""
    return _series_label(label, schedule)


def curves_figure(curves, metric):
    """Learning curves: per cell the mean over seeds at each evaluation, and the seeds'
    band (min to max); one panel per norm or variant. An error falls from near chance to a
    few percent, so its axis is logarithmic: the plateau, where convergence shows, stays
    legible."""
    panels, epochs = _curve_cells(curves, metric)
    if not panels:
        return None
    names = sorted(panels, key=lambda p: (NORM_ORDER.index(p) if p in NORM_ORDER else 99, p))
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig = Figure(figsize=(5.0 * cols, 3.8 * rows))
    for i, name in enumerate(names, 1):
        ax = fig.add_subplot(rows, cols, i)
        for j, (line, seeds) in enumerate(
            sorted(
                panels[name].items(),
                key=lambda kv: (-kv[0][0], kv[0][1], kv[0][2], schedule_parts(kv[0][3])),
            )
        ):
            at = {}
            for values in seeds.values():
                for x, v in values:
                    at.setdefault(x, []).append(v)
            xs = sorted(at)
            color = f"C{j % 10}"
            ax.plot(
                xs,
                [sum(at[x]) / len(at[x]) for x in xs],
                color=color,
                marker=".",
                linestyle=_linestyle(line[3]),
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
        _legend(ax)
    return fig


def carryover_figure(index, metric):
    """Per schedule: every variant's runs (dots) with mean and CI; and the paired differences
    (a-c, e-c, a-b, e-a) with their CIs."""
    roles = carryover_roles(index, metric)
    if not roles:
        return None
    schedules = sorted(
        {k[5] for k in index.keys(metric) if k[0] in roles.values()}, key=schedule_parts
    )
    fig = Figure(figsize=(13, 6.0))
    ax, diff_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    letters = sorted(roles)
    width = 0.8 / max(1, len(schedules))
    for j, schedule in enumerate(schedules):
        color = f"C{j}"
        for i, letter in enumerate(letters):
            values = []
            for key in index.keys(metric, variant=roles[letter], schedule=schedule):
                values += index.values(metric, *key[1:5], schedule=schedule, variant=roles[letter])
            if not values:
                continue
            x = i + (j - (len(schedules) - 1) / 2) * width
            est = mean_ci(values)
            ax.scatter([x] * len(values), values, s=12, color=color, alpha=0.6, linewidths=0)
            yerr = [[est.mean - est.low], [est.high - est.mean]] if est.has_ci else None
            ax.errorbar(
                [x],
                [est.mean],
                yerr=yerr,
                fmt="_",
                ms=14,
                color=color,
                capsize=4,
                label=schedule if i == 0 else None,
            )
        comparisons = [(x, y) for x, y, _, _ in carryover_comparisons(roles)]
        for i, (x, y) in enumerate(comparisons):
            est, _ = paired_difference(index, metric, schedule, roles[x], roles[y])
            if est.n == 0:
                continue
            pos = i + (j - (len(schedules) - 1) / 2) * width
            yerr = [[est.mean - est.low], [est.high - est.mean]] if est.has_ci else None
            diff_ax.errorbar(
                [pos],
                [est.mean],
                yerr=yerr,
                fmt="o",
                color=color,
                capsize=4,
                label=schedule if i == 0 else None,
            )
        diff_ax.set_xticks(
            range(len(comparisons)),
            [f"({x})-({y})" for x, y in comparisons],
            fontsize="small",
            rotation=30,
            ha="right",
        )
    ax.set_xticks(
        range(len(letters)),
        [f"({k}) {role_text(k)}" for k in letters],
        fontsize="x-small",
        rotation=30,
        ha="right",
    )
    ax.set_ylabel(metric_label(metric))
    ax.set_title("variants: every run, mean and 95% CI", fontsize="medium")
    ax.grid(alpha=0.3, axis="y")
    _legend(ax)
    diff_ax.axhline(0, color="k", linewidth=0.8)
    diff_ax.set_ylabel(
        f"paired difference, {METRIC_LABELS.get(metric, metric)} (> 0: first better)"
    )
    diff_ax.set_title("paired per-seed differences, 95% CI", fontsize="medium")
    diff_ax.grid(alpha=0.3, axis="y")
    _legend(diff_ax)
    return fig


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
                written.append(_save(fig, os.path.join(results_dir, name)))
    return written
