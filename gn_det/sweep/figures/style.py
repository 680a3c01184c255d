"""What every study figure shares: metric labels, a colour per norm, a line style per
schedule, the runs as dots, CI bands and log2 axes."""

from ..claims import DEFAULT_SCHEDULE, LOWER_IS_BETTER, schedule_parts
from ..summary import NORM_ORDER

METRIC_LABELS = {"top1_error": "top-1 error (%)", "bbox_ap": "box AP", "segm_ap": "mask AP"}
JITTER = (0.0, -0.04, 0.04, -0.08, 0.08, -0.12, 0.12)  # log2 offsets of the seeds' dots


def metric_label(metric):
    better = "lower" if LOWER_IS_BETTER.get(metric, False) else "higher"
    return f"{METRIC_LABELS.get(metric, metric)} ({better} is better)"


def norm_color(norm):
    return f"C{NORM_ORDER.index(norm) if norm in NORM_ORDER else len(NORM_ORDER)}"


def schedule_linestyle(schedule):
    base, scale = schedule_parts(schedule)
    if base == "iters":
        return "--"
    return "-" if scale == 1 else ":"


def series_label(norm, schedule):
    if schedule in ("", DEFAULT_SCHEDULE):
        return norm
    base, scale = schedule_parts(schedule)
    text = "equal iterations" if base == "iters" else "equal epochs"
    return f"{norm} ({text}{f', x{scale:g}' if scale != 1 else ''})"


def run_dots(ax, xs_values, color, log2=True):
    """Every run as a dot, spread a little sideways so that equal values stay visible."""
    px, py = [], []
    for x, values in xs_values:
        for i, v in enumerate(values):
            offset = JITTER[i % len(JITTER)]
            px.append(x * 2**offset if log2 else x + offset)
            py.append(v)
    if px:
        ax.scatter(px, py, s=12, color=color, alpha=0.6, zorder=3, linewidths=0)


def ci_band(ax, xs, rows, color):
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


def mean_line(ax, xs, rows, color, schedule, label):
    """The mean of summary ``rows`` at ``xs``, styled by schedule, with its CI band."""
    ax.plot(
        xs,
        [r["mean"] for r in rows],
        marker="o",
        ms=4,
        color=color,
        linestyle=schedule_linestyle(schedule),
        label=label,
    )
    ci_band(ax, xs, rows, color)


def log2_axis(ax, ticks, label, invert=False):
    ax.set_xscale("log", base=2)
    ticks = sorted(set(ticks))
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(ticks[0] / 1.3, ticks[-1] * 1.3)  # room for the dots, also with one tick
    if invert:
        ax.invert_xaxis()  # large to small batches, as in the paper
    ax.set_xlabel(label)
    ax.grid(alpha=0.3)
