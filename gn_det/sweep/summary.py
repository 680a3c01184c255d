"""summary.csv: per cell and metric, the mean over its runs (seeds, pretraining seeds) with
the sample standard deviation, n and the 95 % CI (Student's t), and how many runs failed."""

from .claims import DEFAULT_SCHEDULE, schedule_parts
from .stats import mean_ci

CELL_FIELDS = ("study", "variant", "norm", "batch", "groups", "channels_per_group", "schedule")
SUMMARY_FIELDS = (*CELL_FIELDS, "metric", "n", "mean", "std", "ci_low", "ci_high", "n_failed")
NORM_ORDER = ("BN", "SyncBN", "FrozenBN", "GN", "GN+WS", "LN", "IN", "LN+WS", "IN+WS", "none")


def cell_sort_key(row):
    """Order of cells in tables: study, variant, norm (BN, GN, ... as the paper), batch from
    large to small, group setting, schedule, metric."""
    norm = row["norm"]
    rank = NORM_ORDER.index(norm) if norm in NORM_ORDER else len(NORM_ORDER)
    return (
        row["study"],
        row["variant"] or "",
        rank,
        norm,
        -(row["batch"] or 0),
        row["groups"] or 0,
        row["channels_per_group"] or 0,
        schedule_parts(row["schedule"] or DEFAULT_SCHEDULE),
        row.get("metric", ""),
    )


def summarize(runs):
    """summary.csv rows from runs.csv rows, in table order."""
    cells = {}
    for r in runs:
        key = (*(r[k] for k in CELL_FIELDS), r["metric"])
        values, failed = cells.setdefault(key, ([], []))
        if r["status"] == "done" and r["value"] is not None:
            values.append(r["value"])
        else:
            failed.append(r)
    rows = []
    for key, (values, failed) in cells.items():
        est = mean_ci(values)
        row = dict(zip((*CELL_FIELDS, "metric"), key))
        row.update(
            n=est.n,
            mean=est.mean if est.n else None,
            std=est.std if est.n > 1 else None,
            ci_low=est.low if est.has_ci else None,
            ci_high=est.high if est.has_ci else None,
            n_failed=len(failed),
        )
        rows.append(row)
    return sorted(rows, key=cell_sort_key)
