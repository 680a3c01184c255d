"""Convergence claims on constructed runs."""

from gn_det.sweep.claims import CONTRADICTED, HOLDS

from ..runs import cell, find, verdicts


def test_convergence_claims_compare_a_schedule_with_twice_it():
    rows = (cell("GN", 32, [20.0, 21.0, 22.0])
            + cell("GN", 32, [20.5, 21.5, 20.9], schedule="epochs_x2")
            + cell("BN", 32, [30.0, 30.2, 30.1])
            + cell("BN", 32, [20.0, 20.2, 20.1], schedule="epochs_x2"))  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "converged: GN b32 epochs -> epochs_x2") == HOLDS
    assert find(claims, "converged: BN b32 epochs -> epochs_x2") == CONTRADICTED
