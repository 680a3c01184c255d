"""The batch-size claims: GN flat, BN degrading, GN beating BN at a small batch, LN/IN behind
GN, GN+WS vs GN."""

from .. import paper
from ..stats import welch_diff
from .verdicts import (
    CONTRADICTED,
    EQUIVALENCE_MARGIN,
    HOLDS,
    INCONCLUSIVE,
    directional_claim,
    equivalence_claim,
    oriented,
    paper_diff,
)


def batch_claims(index, metric, schedule):
    """GN flat, BN degrading, GN beating BN at the smallest batch, LN/IN behind GN, GN+WS vs
    GN; for plain norm cells (no variant, no group setting) of one schedule."""
    claims, tag = [], f"[{metric}, {schedule}]"
    m = EQUIVALENCE_MARGIN.get(metric, 2.0)
    top1 = metric == "top1_error"

    def batches(norm):
        keys = index.keys(metric, variant="", norm=norm, groups=None, cpg=None, schedule=schedule)
        return sorted(k[2] for k in keys)

    def vals(norm, batch):
        return index.values(metric, norm, batch, schedule=schedule)

    gn = batches("GN")
    if len(gn) >= 2:
        big, rows = gn[-1], []
        for b in reversed(gn[:-1]):
            est = welch_diff(vals("GN", b), vals("GN", big))
            ref = paper.BATCH_ERROR["GN"]
            text = paper_diff(ref[b], ref[big]) if top1 and b in ref and big in ref else "-"
            rows.append(
                equivalence_claim(f"{tag} GN at batch {b} vs {big}: within ±{m:g}", text, est, m)
            )
        verdicts = {r["verdict"] for r in rows}
        overall = (
            CONTRADICTED
            if CONTRADICTED in verdicts
            else HOLDS
            if verdicts == {HOLDS}
            else INCONCLUSIVE
        )
        worst = max(rows, key=lambda r: abs(r["ours_mean"]))
        claims.append(
            {
                **worst,
                "claim": f"{tag} GN flat across batch sizes {gn[::-1]} "
                f"(largest difference to batch {big} shown)",
                "paper": "24.1/24.2/24.0/24.2/24.1 at 32/16/8/4/2" if top1 else "-",
                "verdict": overall,
                "rule": f"every batch within ±{m:g}",
            }
        )
        claims += rows
    bn = batches("BN")
    if len(bn) >= 2:
        small, big = bn[0], bn[-1]
        est = oriented(metric, welch_diff, vals("BN", big), vals("BN", small))
        ref = paper.BATCH_ERROR["BN"]
        text = paper_diff(ref[small], ref[big]) if top1 and small in ref and big in ref else "-"
        claims.append(
            directional_claim(f"{tag} BN degrades from batch {big} to {small}", text, est)
        )
    common = sorted(set(gn) & set(bn))
    if common and common[0] < max(gn + bn):  # a small batch: the paper's claim is not at 32
        b = common[0]
        est = oriented(metric, welch_diff, vals("GN", b), vals("BN", b))
        ref = paper.BATCH_ERROR
        text = paper_diff(ref["BN"][b], ref["GN"][b]) if top1 and b in ref["BN"] else "-"
        claims.append(directional_claim(f"{tag} GN better than BN at batch {b}", text, est))
    for other in ("LN", "IN"):
        both = sorted(set(gn) & set(batches(other)))
        if both:
            b = both[-1]
            est = oriented(metric, welch_diff, vals("GN", b), vals(other, b))
            ref = paper.NORM_ERROR_32
            text = f"{paper_diff(ref[other], ref['GN'])} at 32" if top1 else "-"
            claims.append(directional_claim(f"{tag} {other} behind GN at batch {b}", text, est))
    for b in sorted(set(gn) & set(batches("GN+WS")), reverse=True):
        est = oriented(metric, welch_diff, vals("GN+WS", b), vals("GN", b))
        claims.append(
            directional_claim(
                f"{tag} GN+WS better than GN at batch {b}",
                "Qiao et al. 2019: WS improves GN, above all at 1-2 images/GPU",
                est,
            )
        )
    return claims
