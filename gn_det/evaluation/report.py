"""Console tables of one evaluation: the 12 COCO stats per task and per-category AP."""

import itertools
import math

from tabulate import tabulate

from .coco_eval import STAT_NAMES


def _fmt(value):
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def stats_table(metrics):
    """One row per task of ``{task: CocoMetrics}``, one column per COCO stat (percent)."""
    rows = [[task, *map(_fmt, m.stats_percent().values())] for task, m in metrics.items()]
    align = ("left",) + ("right",) * len(STAT_NAMES)
    return tabulate(
        rows, headers=["task", *STAT_NAMES], tablefmt="pipe", colalign=align, disable_numparse=True
    )


def per_category_table(m, columns=3):
    """AP (percent) of each category of one ``CocoMetrics``, ``columns`` pairs per row."""
    cells = list(
        itertools.chain.from_iterable((n, _fmt(ap)) for n, ap in m.per_category_ap().items())
    )
    width = 2 * min(columns, max(1, len(cells) // 2))
    rows = itertools.zip_longest(*[cells[i::width] for i in range(width)], fillvalue="")
    headers = ["category", "AP"] * (width // 2)
    align = ("left", "right") * (width // 2)
    return tabulate(rows, headers, tablefmt="pipe", colalign=align, disable_numparse=True)


def format_report(metrics):
    """The stats table and each task's per-category table, as printed by tools/evaluate.py."""
    parts = [f"COCO stats (percent, '-' = no ground truth in range):\n{stats_table(metrics)}"]
    for task, m in metrics.items():
        parts.append(f"Per-category {task} AP:\n{per_category_table(m)}")
    return "\n\n".join(parts)
