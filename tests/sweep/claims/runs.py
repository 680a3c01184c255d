"""Constructed runs.csv rows for the claims tests."""

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
