"""Constructed runs.csv rows for the claims, report and figure tests."""

from gn_det.sweep.claims import judge


def run(norm, batch, seed, value, metric="top1_error", schedule="epochs", variant="",
        pretrain_seed=None, groups=None, cpg=None, status="done"):  # fmt: skip
    return {"study": "s", "variant": variant, "norm": norm, "batch": batch, "groups": groups,
            "channels_per_group": cpg, "schedule": schedule, "pretrain_seed": pretrain_seed,
            "seed": seed, "metric": metric, "value": value, "status": status}  # fmt: skip


def cell(norm, batch, values, **kw):
    return [run(norm, batch, s, v, **kw) for s, v in enumerate(values)]


def verdicts(rows):
    return {c["claim"]: c["verdict"] for c in judge(rows)}


def find(claims, text):
    (match,) = [v for k, v in claims.items() if text in k]
    return match


def study_rows():
    return (
        cell("BN", 32, [20.0, 22.0, 24.0])
        + cell("BN", 2, [30.0, 31.0, 35.0])
        + cell("GN", 32, [21.0, 21.5, 22.0])
        + cell("GN", 2, [21.0, 22.0, 21.5])
        + cell("BN", 2, [22.0, 23.0, 21.0], schedule="iters")
        + cell("GN", 32, [21.0, 21.4, 21.9], schedule="epochs_x2")
        + cell("GN", 32, [23.0, 24.0, 23.5], groups=1)
        + cell("GN", 32, [21.0, 21.5, 22.0], groups=32)
        + cell("GN", 32, [26.0, 27.0, 28.0], cpg=1)
        + [run("BN", 2, 3, None, status="failed")]
    )
