"""A study's finished runs indexed by cell, and the schedule labels that name their length."""

import re

DEFAULT_SCHEDULE = "epochs"


def schedule_parts(label):
    """("epochs", 2.0) for "epochs_x2"; ("epochs", 1.0) for "epochs" or ""."""
    match = re.fullmatch(r"(.*?)(?:_x([0-9.]+))?", label or DEFAULT_SCHEDULE)
    return match.group(1) or DEFAULT_SCHEDULE, float(match.group(2) or 1)


class RunIndex:
    """The values of finished runs by cell: {(variant, norm, batch, groups, cpg, schedule,
    metric): {(pretrain_seed, seed): value}}."""

    def __init__(self, rows):
        self.cells = {}
        for r in rows:
            if r.get("status") != "done" or r.get("value") is None:
                continue
            key = (
                r["variant"] or "",
                r["norm"],
                r["batch"],
                r["groups"],
                r["channels_per_group"],
                r["schedule"] or DEFAULT_SCHEDULE,
                r["metric"],
            )
            self.cells.setdefault(key, {})[(r["pretrain_seed"], r["seed"])] = r["value"]

    def metrics(self):
        return sorted({k[6] for k in self.cells})

    def get(
        self,
        metric,
        norm,
        batch,
        groups=None,
        cpg=None,
        schedule=DEFAULT_SCHEDULE,
        variant="",
    ):
        """{(pretrain_seed, seed): value} of one cell ({} if none)."""
        return self.cells.get((variant, norm, batch, groups, cpg, schedule, metric), {})

    def values(self, *args, **kwargs):
        return list(self.get(*args, **kwargs).values())

    def keys(self, metric, **fixed):
        """Cell keys of ``metric`` whose fields match ``fixed`` (variant, norm, ...)."""
        names = ("variant", "norm", "batch", "groups", "cpg", "schedule")
        return sorted(
            (
                k
                for k in self.cells
                if k[6] == metric and all(k[names.index(f)] == v for f, v in fixed.items())
            ),
            key=lambda k: tuple((1, 0) if x is None else (0, x) for x in k),
        )


def cell_label(key):
    """A cell key as text: ``GN b32 G=16``, ``a_gn_pretrained``."""
    variant, norm, batch, groups, cpg = key[:5]
    if variant:
        return variant
    label = f"{norm} b{batch}"
    label += f" G={groups}" if groups else ""
    label += f" {cpg} ch/group" if cpg else ""
    return label
