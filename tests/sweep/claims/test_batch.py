"""Batch-size claims on constructed runs."""

from gn_det.sweep.claims import CONTRADICTED, HOLDS, INCONCLUSIVE, judge

from ..runs import cell, find, verdicts


def test_batch_claims_on_constructed_data():
    rows = (
        cell("GN", 32, [24.0, 24.2, 24.1]) + cell("GN", 2, [24.1, 24.3, 24.0])  # flat
        + cell("BN", 32, [23.5, 23.7, 23.6]) + cell("BN", 2, [34.5, 34.9, 34.7])  # degrades
        + cell("LN", 32, [23.0, 23.1, 22.9])  # ahead of GN: contradicted
        + cell("IN", 32, [20.0, 30.0, 25.0])  # too noisy: inconclusive
    )  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "GN flat across batch sizes") == HOLDS
    assert find(claims, "BN degrades from batch 32 to 2") == HOLDS
    assert find(claims, "GN better than BN at batch 2") == HOLDS
    assert find(claims, "LN behind GN") == CONTRADICTED
    assert find(claims, "IN behind GN") == INCONCLUSIVE
    (flat,) = [c for c in judge(rows) if "GN flat" in c["claim"]]
    assert flat["paper"] == "24.1/24.2/24.0/24.2/24.1 at 32/16/8/4/2" and flat["n"] == 3
    not_flat = cell("GN", 32, [24.0, 24.2, 24.1]) + cell("GN", 2, [30.0, 30.2, 30.1])
    assert find(verdicts(not_flat), "GN flat") == CONTRADICTED


def test_detection_metrics_are_higher_is_better():
    rows = (cell("GN", 8, [30.0, 31.0, 30.5], metric="bbox_ap")
            + cell("BN", 8, [29.0, 30.0, 29.5], metric="bbox_ap")
            + cell("GN", 1, [30.0, 30.6, 30.2], metric="bbox_ap")
            + cell("BN", 1, [20.0, 21.0, 20.5], metric="bbox_ap")
            + cell("GN+WS", 1, [25.0, 25.5, 25.2], metric="bbox_ap"))  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "[bbox_ap, epochs] BN degrades from batch 8 to 1") == HOLDS
    assert find(claims, "GN better than BN at batch 1") == HOLDS
    assert find(claims, "GN+WS better than GN at batch 1") == CONTRADICTED
