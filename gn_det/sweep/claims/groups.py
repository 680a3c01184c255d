"""The group-count claims: G=32 near the best, G=1 (LN) and one channel per group (IN) worse."""

from .. import paper
from ..stats import welch_diff
from .verdicts import (
    EQUIVALENCE_MARGIN,
    LOWER_IS_BETTER,
    claim_row,
    directional_claim,
    not_worse_by,
    oriented,
    paper_diff,
)


def group_claims(index, metric, schedule):
    """The group-count shape: G=32 near the best group count, G=1 (LN) and one channel per group
    (IN) worse than G=32; per batch size with GN group cells."""
    claims = []
    m = EQUIVALENCE_MARGIN.get(metric, 2.0)
    top1 = metric == "top1_error"
    keys = [k for k in index.keys(metric, variant="", norm="GN", schedule=schedule) if k[3] or k[4]]
    for b in sorted({k[2] for k in keys}, reverse=True):
        tag = f"[{metric}, {schedule}, batch {b}]"
        groups = {
            k[3]: index.values(metric, "GN", b, groups=k[3], schedule=schedule)
            for k in keys
            if k[2] == b and k[3]
        }
        cpg = {
            k[4]: index.values(metric, "GN", b, cpg=k[4], schedule=schedule)
            for k in keys
            if k[2] == b and k[4]
        }
        if 32 not in groups:
            continue
        g32 = groups[32]
        others = {g: v for g, v in groups.items() if g != 32}
        if others:
            sign = -1 if LOWER_IS_BETTER.get(metric, False) else 1
            best = max(others, key=lambda g: sign * sum(others[g]) / len(others[g]))
            est = oriented(metric, welch_diff, others[best], g32)
            ref = paper.GROUPS_ERROR
            text = f"G=32 best ({ref[32]}); next G=8 ({ref[8]})" if top1 else "-"
            claims.append(
                claim_row(
                    f"{tag} G=32 near the best group count (best other: G={best})",
                    text,
                    est,
                    not_worse_by(est, m),
                    f"best other better by < {m:g}",
                )
            )
        if 1 in groups:
            est = oriented(metric, welch_diff, g32, groups[1])
            text = paper_diff(paper.GROUPS_ERROR[1], paper.GROUPS_ERROR[32]) if top1 else "-"
            claims.append(directional_claim(f"{tag} G=1 (LN) worse than G=32", text, est))
        if 1 in cpg:
            est = oriented(metric, welch_diff, g32, cpg[1])
            ref = paper.ONE_CHANNEL_PER_GROUP_ERROR
            text = paper_diff(ref, paper.GROUPS_ERROR[32]) if top1 else "-"
            claims.append(
                directional_claim(f"{tag} 1 channel per group (IN) worse than G=32", text, est)
            )
    return claims
