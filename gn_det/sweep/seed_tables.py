"""The tables of ``tables.md`` that show single runs rather than cell means: each seed's
value, and the mean learning curves. README prose that quotes a seed or a point of a curve
quotes a generated row, so those numbers are regenerated from runs.csv and curves.csv too."""

from collections import Counter

from .claims import DEFAULT_SCHEDULE, schedule_parts
from .figures.curves import curve_cells, group_suffix, line_order, panel_order, values_at
from .markdown import md_table, metric_name, num


def _grid_runs(runs):
    """Finished runs of the norms x batch sizes grid (no variants, no group settings)."""
    return [
        r
        for r in runs
        if r["status"] == "done"
        and r["value"] is not None
        and not r["variant"]
        and not r["groups"]
        and not r["channels_per_group"]
    ]


def _row_order(norm_seed):
    """Norms in their usual order, then pretraining seed (none first), then seed."""
    norm, (pretrain_seed, seed) = norm_seed
    return panel_order(norm), -1 if pretrain_seed is None else pretrain_seed, seed


def _seed_rows(values, batches, label):
    """The rows of one table: ``values`` is {(norm, (pretrain_seed, seed), batch): value}."""
    largest = batches[0]
    body = []
    for norm, seed in sorted({k[:2] for k in values}, key=_row_order):
        base = values.get((norm, seed, largest))
        cells = []
        for b in batches:
            v = values.get((norm, seed, b))
            if v is None:
                cells.append("")
            elif b == largest or base is None:
                cells.append(num(v))
            else:
                cells.append(f"{num(v)} ({v - base:+.2f})")
        body.append([norm, label(seed), *cells])
    return body


def seed_tables(runs):
    """Per metric and schedule where a cell has two or more seeds: each seed's value at
    every batch size and, in brackets, its difference to the same norm and seed at the
    largest batch of the table."""
    grid = [r for r in _grid_runs(runs) if r["seed"] is not None]
    if len({r["pretrain_seed"] for r in grid}) > 1:
        head, label = (
            "pretraining/seed",
            lambda seed: f"{'-' if seed[0] is None else seed[0]}/{seed[1]}",
        )
    else:
        head, label = "seed", lambda seed: str(seed[1])
    tables = {}
    for r in grid:
        key = (r["metric"], r["schedule"] or DEFAULT_SCHEDULE)
        cell = (r["norm"], (r["pretrain_seed"], r["seed"]), r["batch"])
        tables.setdefault(key, {})[cell] = r["value"]
    out = []
    for (metric, schedule), values in sorted(
        tables.items(), key=lambda kv: (kv[0][0], schedule_parts(kv[0][1]))
    ):
        if max(Counter((norm, batch) for norm, _, batch in values).values()) < 2:
            continue
        batches = sorted({batch for _, _, batch in values}, reverse=True)
        brackets = (
            f" (in brackets: minus the same seed at batch {batches[0]})" if len(batches) > 1 else ""
        )
        out.append(
            f"### {metric_name(metric)} of each seed, schedule {schedule}{brackets}\n\n"
            + md_table(
                ["norm", head] + [f"batch {b}" for b in batches],
                _seed_rows(values, batches, label),
            )
        )
    return out


def curve_tables(curves):
    """Per metric whose curves count training images (detection; a classification curve,
    one point per epoch, is its plot): each cell's mean over its runs at each evaluation."""
    out = []
    for metric in sorted({c["metric"] for c in curves}):
        panels, epochs = curve_cells(curves, metric)
        if epochs or not panels:
            continue
        kind = "variant" if any(c["variant"] for c in curves) else "norm"
        body = []
        for name in sorted(panels, key=panel_order):
            for line, seeds in sorted(panels[name].items(), key=lambda kv: line_order(kv[0])):
                batch, groups, cpg, schedule = line
                label = name + group_suffix(groups, cpg)
                xs, at = values_at(seeds)
                means = " / ".join(num(sum(at[x]) / len(at[x]), 1) for x in xs)
                images = " / ".join(f"{x:,}" for x in xs)
                body.append([label, str(batch), schedule, str(len(seeds)), images, means])
        out.append(
            f"### {metric_name(metric)} learning curves: mean over runs at each evaluation\n\n"
            + md_table(
                [kind, "batch", "schedule", "runs", "after training images", metric_name(metric)],
                body,
            )
        )
    return out
