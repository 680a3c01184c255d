"""results.csv of a sweep's scratch folder: one row per cell (norm, batch, groups, seed,
metrics, wall time, status, reason), rewritten from the run folders after every run."""

import csv

from ..utils.atomic_file import atomic_open

BASE_FIELDS = ("norm", "batch", "groups", "channels_per_group", "seed", "schedule", "variant",
               "pretrain_seed", "lr", "iters")  # fmt: skip
TAIL_FIELDS = ("wall_s", "status", "reason", "folder")
STATUSES = ("done", "failed", "invalid", "pending")


def fields(task):
    """The CSV columns for ``task``."""
    return (*BASE_FIELDS, *task.metrics, *TAIL_FIELDS)


def write_results(path, task, rows):
    """Write ``rows`` (dicts) as CSV, atomically (a partial file never replaces a whole one)."""
    with atomic_open(path, "w") as f:
        writer = csv.DictWriter(f, fields(task), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _fmt(row.get(k)) for k in fields(task)})
    return path


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return value


def read_results(path):
    """Rows of a results.csv, numbers parsed (empty cells become None)."""
    with open(path, newline="") as f:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _parse(value):
    if value == "":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def markdown_table(rows, metric):
    """A Markdown table of ``metric``: one row per norm (and group setting), one column per
    batch size; cells that did not finish show their status."""
    batches = sorted({r["batch"] for r in rows}, reverse=True)
    table = {}
    for r in rows:
        value = r.get(metric)
        shown = f"{value:.1f}" if r["status"] == "done" and value is not None else r["status"]
        table.setdefault(line_label(r), {})[r["batch"]] = shown
    head = "| norm | " + " | ".join(f"batch {b}" for b in batches) + " |"
    lines = [head, "|---" * (len(batches) + 1) + "|"]
    for label, by_batch in table.items():
        lines.append(f"| {label} | " + " | ".join(by_batch.get(b, "") for b in batches) + " |")
    return "\n".join(lines)


def line_label(row):
    """A row's norm (or variant) with its group setting, schedule and seed, e.g.
    ``GN (G=16)`` or ``BN iters s2``."""
    label = row.get("variant") or row["norm"]
    if row.get("groups"):
        label += f" (G={row['groups']})"
    if row.get("channels_per_group"):
        label += f" ({row['channels_per_group']} ch/group)"
    if row.get("schedule") not in (None, "", "epochs"):
        label += f" {row['schedule']}"
    if row.get("pretrain_seed") is not None:
        label += f" p{row['pretrain_seed']}"
    if row.get("seed") is not None:
        label += f" s{row['seed']}"
    return label
