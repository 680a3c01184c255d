"""Which pretrained weights a study's runs used: one pretraining realization per results folder.

Pretraining from the same seed on another CPU can round differently and end in other weights
(BatchSizeStudy's batch-32 classifiers, retrained on a new machine on 2026-12-05: the same
final error, another learning curve). Fine-tunings from two such realizations differ by more
than their seeds do, so each run records the fingerprint of its pretrained weights in
``runs.csv`` (``weights``), and a sweep refuses to add fine-tunings from other weights to a
folder whose runs of the same variant, norm and pretraining seed used different ones.
"""

import os

from ..checkpoint import CheckpointError, weights_fingerprint
from .grid import SweepError
from .records import run_fields, run_key

UNRECORDED = "(not recorded)"  # rows written before runs.csv had the weights column


class Fingerprints:
    """``fingerprints(path)``: the fingerprint of a weights file, computed once per version of
    the file; "" if there is no such file or it holds no weights (the run that loads it
    fails with its own error)."""

    def __init__(self):
        self._known = {}

    def __call__(self, path):
        if not path or not os.path.isfile(path):
            return ""
        stat = os.stat(path)
        key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
        if key not in self._known:
            try:
                self._known[key] = weights_fingerprint(path)
            except CheckpointError:
                self._known[key] = ""
        return self._known[key]


def _group(row):
    """Runs that must share pretrained weights: same study, variant, norm, pretraining seed."""
    return row["study"], row["variant"], row["norm"], row["pretrain_seed"]


def check_same_weights(records, study, task, cells, fingerprints):
    """SweepError if a cell would fine-tune from other pretrained weights than the finished
    runs of its group in ``records`` (or than runs recorded without a fingerprint)."""
    recorded = {}
    for row in records.runs():
        if row["status"] == "done" and row["pretrain_seed"] is not None:
            recorded.setdefault(_group(row), set()).add(row["weights"] or UNRECORDED)
    for cell in cells:
        path = task.weights_for(cell)
        new = fingerprints(path)
        if not new:
            continue
        old = recorded.get(_group(run_fields(study, cell)), set()) - {new}
        if old:
            cause = (
                "runs recorded before fingerprints: not known to be the same weights"
                if old == {UNRECORDED}
                else "a pretraining that did not reproduce here"
            )
            raise SweepError(
                f"{records.runs_path} holds runs of {cell.norm} (pretraining seed "
                f"{cell.pretrain_seed}{', ' + cell.variant if cell.variant else ''}) "
                f"fine-tuned from pretrained weights {', '.join(sorted(old))}; {cell.name} would "
                f"load {path}, weights {new} ({cause}): "
                "fine-tune into another --results-dir and --output-dir"
            )


def retrained_other_weights(records, study, cell, new):
    """The fingerprint of ``cell``'s committed run if it differs from ``new`` (a pretraining
    retrained on another machine to other weights), else ""."""
    key = run_key(run_fields(study, cell))
    for row in records.runs():
        if row["status"] == "done" and run_key(row) == key and row["weights"] not in ("", new):
            return row["weights"]
    return ""


def weights_section(runs):
    """The Markdown lines of tables.md naming the pretrained weights of the finished runs (""
    when no row records any): which weights each pretraining wrote, each group loaded."""
    groups = {}
    for row in runs:
        if row["status"] != "done" or not row["weights"]:
            continue
        if row["pretrain_seed"] is None:  # a pretraining: the weights it wrote
            label = f"{row['norm']} at batch {row['batch']}, seed {row['seed']}, wrote"
        else:
            label = f"{row['variant'] or row['norm']}, pretraining seed {row['pretrain_seed']},"
        groups.setdefault((label, row["weights"]), set()).add(run_key(row))
    if not groups:
        return ""
    lines = [f"- {label} {weights}: {len(keys)} run{'s' * (len(keys) > 1)}"
             for (label, weights), keys in sorted(groups.items())]  # fmt: skip
    unrecorded = {run_key(r) for r in runs if r["status"] == "done" and not r["weights"]}
    if unrecorded:
        lines.append(
            f"- {len(unrecorded)} runs without one (recorded before the column existed, or "
            "trained without pretrained weights)"
        )
    return "Pretrained weights (fingerprints, the `weights` column of runs.csv):\n\n" + "\n".join(
        lines
    )
