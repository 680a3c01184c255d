"""Summaries of COCO problems: a table for ``tools/check_dataset.py``, one line for the rest."""

from collections import Counter

from tabulate import tabulate

from .problems import KINDS, SEVERITIES


def by_kind(problems):
    """{kind: [problems]} in the order of ``KINDS`` (errors first as listed there)."""
    grouped = {}
    for p in problems:
        grouped.setdefault(p.kind, []).append(p)
    return {kind: grouped[kind] for kind in KINDS if kind in grouped}


def severity_counts(problems):
    """{"error": n, "warning": n, "info": n}."""
    counts = Counter(p.severity for p in problems)
    return {s: counts.get(s, 0) for s in SEVERITIES}


def report_table(problems, examples=3):
    """A table with one row per problem kind: severity, kind, count, first examples."""
    rows = [
        (found[0].severity, kind, len(found), _short("; ".join(p.where for p in found[:examples])))
        for kind, found in by_kind(problems).items()
    ]
    rows.sort(key=lambda row: SEVERITIES.index(row[0]))
    return tabulate(rows, headers=["severity", "problem", "count", "first examples"])


def legend(problems):
    """What each problem kind in ``problems`` means, one line each."""
    return "\n".join(f"  {kind}: {KINDS[kind][1]}" for kind in by_kind(problems))


def _short(text, limit=100):
    return text if len(text) <= limit else text[: limit - 3] + "..."


def counts_line(problems):
    """``14 errors, 1 warning, 1 info``."""
    counts = severity_counts(problems)
    return ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items())


def one_line(problems, severity="error"):
    """``3 errors: 2 bad box size, 1 short polygon (e.g. annotation 5 (image 2): ...)``."""
    found = [p for p in problems if p.severity == severity]
    if not found:
        return ""
    kinds = ", ".join(f"{len(v)} {k}" for k, v in by_kind(found).items())
    plural = "s" if len(found) > 1 else ""
    return f"{len(found)} {severity}{plural}: {kinds} (e.g. {found[0].where})"
