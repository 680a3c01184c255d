"""The committed results of a study (``--results-dir``), apart from the scratch run folders:

- ``runs.csv``: one row per run and metric, written as each run finishes (rows of earlier
  runs and sweeps are kept; a run that is recorded again replaces its rows; sweeps that
  share the folder take turns, so none loses another's rows);
- ``curves.csv``: every run's learning curve (validation metric vs iteration and epoch).

``weights`` in runs.csv is the fingerprint of the pretrained weights of a run: those a
pretraining run wrote, or those a fine-tuning run loaded (empty for rows written before the
column existed, and for runs with neither).

Both are the input of the report (``report.py``): everything else in the folder is made from
them, so a fresh clone regenerates every table, plot and claim without the run folders.
"""

import contextlib
import csv
import fcntl
import math
import os

from ..utils.atomic_file import atomic_open
from .grid import SweepError

RUNS_CSV = "runs.csv"
CURVES_CSV = "curves.csv"
# What identifies a run (the seed columns are empty for a run without --seeds).
RUN_KEY = (
    "study",
    "variant",
    "norm",
    "batch",
    "groups",
    "channels_per_group",
    "schedule",
    "pretrain_seed",
    "seed",
)
RUN_FIELDS = (
    "study",
    "norm",
    "batch",
    "groups",
    "channels_per_group",
    "schedule",
    "seed",
    "epochs_or_iters",
    "metric",
    "value",
    "wall_s",
    "variant",
    "pretrain_seed",
    "status",
    "reason",
    "weights",
)
OPTIONAL_FIELDS = ("weights",)  # read as "" from files written before the column existed
CURVE_FIELDS = (
    "study",
    "norm",
    "batch",
    "groups",
    "channels_per_group",
    "schedule",
    "seed",
    "variant",
    "pretrain_seed",
    "iteration",
    "epoch",
    "metric",
    "value",
)
INT_FIELDS = ("batch", "groups", "channels_per_group", "seed", "pretrain_seed", "iteration")
FLOAT_FIELDS = ("value", "wall_s", "epoch")
RUN_STATUSES = ("done", "failed")


def run_fields(study, cell, epochs_or_iters=""):
    """The identifying columns of ``cell``'s run."""
    return {
        "study": study,
        "variant": cell.variant,
        "norm": cell.norm,
        "batch": cell.batch,
        "groups": cell.groups or None,
        "channels_per_group": cell.channels_per_group or None,
        "schedule": cell.schedule,
        "pretrain_seed": cell.pretrain_seed,
        "seed": cell.seed,
        "epochs_or_iters": epochs_or_iters,
    }


def run_key(row):
    return tuple(row.get(k) for k in RUN_KEY)


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def _parse(path, line, field, text):
    if text is None or text == "":
        return None if field in INT_FIELDS + FLOAT_FIELDS else ""
    try:
        if field in INT_FIELDS:
            return int(text)
        if field in FLOAT_FIELDS:
            return float(text)
    except ValueError:
        kind = "an integer" if field in INT_FIELDS else "a number"
        raise SweepError(f"{path} line {line}: {field} {text!r} is not {kind}") from None
    return text


def read_csv(path, fields):
    """Rows of a runs.csv or curves.csv with numbers parsed; SweepError naming the file and
    line for a file that is not one ([] if it does not exist)."""
    if not os.path.isfile(path):
        return []
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            present = set(reader.fieldnames or ()) | set(OPTIONAL_FIELDS)
            missing = [k for k in fields if k not in present]
            if missing:
                raise SweepError(
                    f"{path} is not a sweep results file: no column {', '.join(missing)} "
                    f"(expected {','.join(fields)})"
                )
            return [
                {k: _parse(path, i, k, row.get(k)) for k in fields}
                for i, row in enumerate(reader, 2)
            ]
    except (UnicodeDecodeError, csv.Error) as e:
        raise SweepError(f"{path} is not a readable CSV file ({e})") from None


def write_csv(path, fields, rows):
    with atomic_open(path, "w") as f:
        writer = csv.DictWriter(f, fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _fmt(row.get(k)) for k in fields})
    return path


@contextlib.contextmanager
def _folder_lock(folder):
    """Hold an exclusive flock on ``folder`` itself (no lock file to commit): two sweeps that
    record into one results folder read, change and rewrite runs.csv one after the other."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class StudyRecords:
    """``runs.csv`` and ``curves.csv`` of one results folder."""

    def __init__(self, results_dir):
        self.dir = results_dir
        self.runs_path = os.path.join(results_dir, RUNS_CSV)
        self.curves_path = os.path.join(results_dir, CURVES_CSV)

    def runs(self):
        return read_csv(self.runs_path, RUN_FIELDS)

    def curves(self):
        return read_csv(self.curves_path, CURVE_FIELDS)

    def contents(self):
        """The rows of runs.csv and curves.csv as sets: equal when only their order differs."""
        return (
            {run_key(r) + (r["metric"], _fmt(r["value"])) for r in self.runs()},
            {tuple(map(_fmt, c.values())) for c in self.curves()},
        )

    def recorded(self):
        """The run keys in runs.csv."""
        return {run_key(r) for r in self.runs()}

    def record(self, fields, metrics, values, wall_s=None, status="done", reason="", curve=(),
               weights=""):  # fmt: skip
        """Write one run: a runs.csv row per metric (``values`` {metric: value}; empty for a
        failed run) and its ``curve`` [(iteration, epoch, metric, value)] into curves.csv,
        replacing the rows it had; ``weights``: its pretrained weights' fingerprint."""
        os.makedirs(self.dir, exist_ok=True)
        with _folder_lock(self.dir):
            key = run_key(fields)
            rows = [r for r in self.runs() if run_key(r) != key]
            for metric in metrics:
                value = values.get(metric) if status == "done" else None
                rows.append(
                    {
                        **fields,
                        "metric": metric,
                        "value": value,
                        "wall_s": wall_s,
                        "status": status,
                        "reason": reason,
                        "weights": weights,
                    }
                )
            write_csv(self.runs_path, RUN_FIELDS, rows)
            points = [r for r in self.curves() if run_key(r) != key]
            points += [
                {**fields, "iteration": it, "epoch": ep, "metric": m, "value": v}
                for it, ep, m, v in curve
            ]
            if points or os.path.isfile(self.curves_path):
                write_csv(self.curves_path, CURVE_FIELDS, points)
