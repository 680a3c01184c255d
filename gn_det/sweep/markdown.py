"""The Markdown pieces every table of a study's ``tables.md`` is made of."""

import math

from .figures import METRIC_LABELS


def num(value, digits=2):
    """``value`` with ``digits`` decimals; ``-`` for a missing or NaN value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def md_table(head, rows):
    """A Markdown table: the header cells ``head`` and a list of rows of cells."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def metric_name(metric):
    """``box AP`` for ``bbox_ap``: the label a metric has in tables and plots."""
    return METRIC_LABELS.get(metric, metric)
