"""Verdict rules on constructed estimates: holds, contradicted, inconclusive."""

import pytest

from gn_det.sweep.claims import (
    CONTRADICTED,
    HOLDS,
    INCONCLUSIVE,
    converged,
    directional,
    equivalent,
    judge,
    not_worse_by,
)
from gn_det.sweep.stats import Estimate, mean_ci

from ..runs import cell, run


def est(low, high, mean=None):
    return Estimate((low + high) / 2 if mean is None else mean, low, high, 3)


@pytest.mark.parametrize(
    "low,high,verdict", [(0.5, 2.0, HOLDS), (-2.0, -0.1, CONTRADICTED), (-1.0, 2.0, INCONCLUSIVE)]
)
def test_directional_rule(low, high, verdict):
    assert directional(est(low, high)) == verdict


@pytest.mark.parametrize(
    "low,high,verdict",
    [(-1.5, 1.9, HOLDS), (2.5, 4.0, CONTRADICTED), (-5.0, -2.0, CONTRADICTED),
     (-1.0, 2.5, INCONCLUSIVE)],
)  # fmt: skip
def test_equivalence_rule_with_a_margin_of_2(low, high, verdict):
    assert equivalent(est(low, high), 2.0) == verdict


def test_not_worse_by_and_no_ci():
    assert not_worse_by(est(-1.0, 1.5), 2.0) == HOLDS
    assert not_worse_by(est(2.5, 3.0), 2.0) == CONTRADICTED
    assert not_worse_by(est(1.0, 3.0), 2.0) == INCONCLUSIVE
    assert directional(mean_ci([1.0])) == INCONCLUSIVE  # one run: no CI


def test_convergence_rule():
    base = mean_ci([10.0, 11.0, 12.0])  # half-width 2.48
    assert converged(est(-2.0, 3.0, mean=0.5), base) == HOLDS
    assert converged(est(2.7, 3.3, mean=3.0), base) == CONTRADICTED
    assert converged(est(-1.0, 7.0, mean=3.0), base) == INCONCLUSIVE


def test_failed_runs_and_missing_cells_give_no_claims():
    rows = cell("GN", 32, [24.0, 24.1]) + [run("GN", 2, 0, None, status="failed")]
    assert judge(rows) == []
