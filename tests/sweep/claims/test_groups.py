"""Group-count claims on constructed runs."""

from gn_det.sweep.claims import HOLDS

from ..runs import cell, find, verdicts


def test_group_claims():
    rows = (cell("GN", 32, [24.0, 24.2, 24.1], groups=32)
            + cell("GN", 32, [24.3, 24.4, 24.2], groups=8)
            + cell("GN", 32, [25.3, 25.4, 25.5], groups=1)
            + cell("GN", 32, [28.0, 28.5, 28.4], cpg=1))  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "G=32 near the best group count (best other: G=8)") == HOLDS
    assert find(claims, "G=1 (LN) worse than G=32") == HOLDS
    assert find(claims, "1 channel per group (IN) worse than G=32") == HOLDS
