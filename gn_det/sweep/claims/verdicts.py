"""The verdict rules of the claims (holds, contradicted, inconclusive) and the row a claim
becomes in claims.csv."""

HOLDS, CONTRADICTED, INCONCLUSIVE = "holds", "contradicted", "inconclusive"
CLAIM_FIELDS = (
    "claim",
    "paper",
    "ours_mean",
    "ours_ci_low",
    "ours_ci_high",
    "verdict",
    "n",
    "rule",
)
LOWER_IS_BETTER = {"top1_error": True, "bbox_ap": False, "segm_ap": False}
# Differences smaller than this (in the metric's units: top-1 error points, AP points) count
# as "no difference" for the equivalence claims. Chosen before any result: well below the
# effects the paper calls large (BN at batch 2: +11.1 error points; GN vs FrozenBN: +1.5 AP
# on COCO is the exception, judged directionally) and above the paper's GN spread (0.2).
EQUIVALENCE_MARGIN = {"top1_error": 2.0, "bbox_ap": 2.0, "segm_ap": 2.0}


def directional(est):
    if not est.has_ci:
        return INCONCLUSIVE
    if est.low > 0:
        return HOLDS
    return CONTRADICTED if est.high < 0 else INCONCLUSIVE


def equivalent(est, margin):
    if not est.has_ci:
        return INCONCLUSIVE
    if -margin < est.low and est.high < margin:
        return HOLDS
    return CONTRADICTED if est.low >= margin or est.high <= -margin else INCONCLUSIVE


def not_worse_by(est, margin):
    """``est`` is how much better the alternative is; the claim is that it is < margin."""
    if not est.has_ci:
        return INCONCLUSIVE
    if est.high < margin:
        return HOLDS
    return CONTRADICTED if est.low > margin else INCONCLUSIVE


def converged(delta, base):
    if not (delta.has_ci and base.has_ci):
        return INCONCLUSIVE
    if abs(delta.mean) < base.half_width:
        return HOLDS
    return CONTRADICTED if delta.low > 0 or delta.high < 0 else INCONCLUSIVE


def oriented(metric, diff_fn, better, worse):
    """``diff_fn(better, worse)`` turned so that positive means ``better`` is better."""
    return diff_fn(worse, better) if LOWER_IS_BETTER.get(metric, False) else diff_fn(better, worse)


def claim_row(text, paper_text, est, verdict, rule):
    return {
        "claim": text,
        "paper": paper_text,
        "ours_mean": est.mean,
        "ours_ci_low": est.low,
        "ours_ci_high": est.high,
        "verdict": verdict,
        "n": est.n,
        "rule": rule,
    }


def directional_claim(text, paper_text, est, rule="directional: CI > 0"):
    """The row of "A is better than B" (``est`` oriented so that > 0 means better)."""
    return claim_row(text, paper_text, est, directional(est), rule)


def equivalence_claim(text, paper_text, est, margin, rule="equivalence"):
    """The row of "A and B are level": the CI of ``est`` within ±``margin``."""
    return claim_row(text, paper_text, est, equivalent(est, margin), f"{rule}, margin {margin:g}")


def paper_diff(a, b):
    return f"{a} vs {b} ({a - b:+.1f})"
