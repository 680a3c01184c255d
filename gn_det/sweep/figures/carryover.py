"""The carry-over variants per schedule (every run, mean and CI) and their paired
per-seed differences."""

from matplotlib.figure import Figure

from ...evaluation.plots import add_legend
from ..claims import (
    carryover_comparisons,
    carryover_roles,
    carryover_schedules,
    paired_difference,
    role_text,
    variant_values,
)
from ..stats import mean_ci
from .style import METRIC_LABELS, metric_label


def _ci_bar(ax, x, est, color, label, **style):
    """``est``'s mean with its CI as an error bar; ``label`` goes to the legend once per axes."""
    yerr = [[est.mean - est.low], [est.high - est.mean]] if est.has_ci else None
    shown = label in ax.get_legend_handles_labels()[1]
    ax.errorbar(
        [x], [est.mean], yerr=yerr, color=color, capsize=4, label=None if shown else label, **style
    )


def carryover_figure(index, metric):
    """Per schedule: every variant's runs (dots) with mean and CI; and the paired differences
    (a-c, e-c, a-b, e-a) with their CIs."""
    roles = carryover_roles(index, metric)
    if not roles:
        return None
    schedules = carryover_schedules(index, metric, roles)
    fig = Figure(figsize=(13, 6.0))
    ax, diff_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    letters = sorted(roles)
    width = 0.8 / max(1, len(schedules))
    for j, schedule in enumerate(schedules):
        color = f"C{j}"
        for i, letter in enumerate(letters):
            values = list(variant_values(index, metric, schedule, roles[letter]).values())
            if not values:
                continue
            x = i + (j - (len(schedules) - 1) / 2) * width
            ax.scatter([x] * len(values), values, s=12, color=color, alpha=0.6, linewidths=0)
            _ci_bar(ax, x, mean_ci(values), color, schedule, fmt="_", ms=14)
        comparisons = [(x, y) for x, y, _, _ in carryover_comparisons(roles)]
        for i, (x, y) in enumerate(comparisons):
            est, _ = paired_difference(index, metric, schedule, roles[x], roles[y])
            if est.n:
                pos = i + (j - (len(schedules) - 1) / 2) * width
                _ci_bar(diff_ax, pos, est, color, schedule, fmt="o")
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
    add_legend(ax)
    diff_ax.axhline(0, color="k", linewidth=0.8)
    diff_ax.set_ylabel(
        f"paired difference, {METRIC_LABELS.get(metric, metric)} (> 0: first better)"
    )
    diff_ax.set_title("paired per-seed differences, 95% CI", fontsize="medium")
    diff_ax.grid(alpha=0.3, axis="y")
    add_legend(diff_ax)
    return fig
