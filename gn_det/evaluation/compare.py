"""Side-by-side tables of runs: AP, AP50, AP75, APs, APm, APl per task, deltas to a baseline."""

from tabulate import tabulate

from .coco_eval import IOU_TYPES, STAT_NAMES
from .errors import EvaluationInputError

TABLE_STATS = STAT_NAMES[:6]


def pick_baseline(runs, baseline):
    """The run labelled ``baseline`` (or at 0-based index ``baseline``); the first if None."""
    if baseline is None:
        return runs[0]
    for run in runs:
        if run.label == baseline:
            return run
    if baseline.isdigit() and int(baseline) < len(runs):
        return runs[int(baseline)]
    labels = ", ".join(repr(r.label) for r in runs)
    raise EvaluationInputError(f"--baseline {baseline!r} is none of the runs: {labels}")


def _value(v):
    return "-" if v is None else f"{v:.2f}"


def _delta(v, base):
    return "-" if v is None or base is None else f"{v - base:+.2f}"


def comparison_rows(runs, baseline):
    """Header and rows: one row per task and stat, each run's value then its delta."""
    others = [r for r in runs if r is not baseline]
    header = ["metric", f"{baseline.label} (baseline)"]
    for run in others:
        header += [run.label, "Δ"]
    rows = []
    for task in IOU_TYPES:
        if not any(task in r.stats for r in runs):
            continue
        for stat in TABLE_STATS:
            base = baseline.stats.get(task, {}).get(stat)
            row = [f"{task} {stat}", _value(base)]
            for run in others:
                v = run.stats.get(task, {}).get(stat)
                row += [_value(v), _delta(v, base)]
            rows.append(row)
    return header, rows


def comparison_table(runs, baseline, fmt="text"):
    """The table as plain text (``fmt="text"``) or GitHub Markdown (``"markdown"``)."""
    header, rows = comparison_rows(runs, baseline)
    align = ("left",) + ("right",) * (len(header) - 1)
    tablefmt = {"text": "simple", "markdown": "pipe"}[fmt]
    return tabulate(rows, header, tablefmt=tablefmt, colalign=align, disable_numparse=True)
