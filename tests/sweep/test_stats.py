"""Means, CIs and the t quantile against hand-computed values."""

import math

import pytest

from gn_det.sweep.stats import mean_ci, paired_diff, t_cdf, t_quantile, welch_diff


@pytest.mark.parametrize(
    "df,expected",
    [(1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (10, 2.2281), (30, 2.0423)],
)
def test_t_quantile_matches_the_tables(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def test_t_quantile_is_symmetric_and_inverts_the_cdf():
    assert t_quantile(0.025, 2) == pytest.approx(-4.3027, abs=1e-4)
    assert t_cdf(t_quantile(0.9, 3.5), 3.5) == pytest.approx(0.9, abs=1e-9)
    assert t_quantile(0.975, 1e6) == pytest.approx(1.95996, abs=1e-4)
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)


def test_mean_ci_of_three_values():
    est = mean_ci([10.0, 12.0, 14.0])  # mean 12, std 2, half-width 4.303 * 2 / sqrt(3)
    assert est.mean == 12.0 and est.std == pytest.approx(2.0) and est.n == 3
    assert est.half_width == pytest.approx(4.3027 * 2 / math.sqrt(3), abs=1e-3)
    assert (est.low, est.high) == pytest.approx((12 - 4.9683, 12 + 4.9683), abs=1e-3)


def test_one_value_has_no_ci_and_none_has_no_mean():
    one = mean_ci([5.0])
    assert one.mean == 5.0 and not one.has_ci and one.n == 1
    assert math.isnan(mean_ci([]).mean)


def test_welch_difference():
    # a: mean 2, var 1 (n 3); b: mean 5, var 20/3 (n 4): se^2 = 1/3 + 5/3 = 2,
    # df = 4 / ((1/3)^2 / 2 + (5/3)^2 / 3) = 4.0755
    est = welch_diff([1, 2, 3], [2, 4, 6, 8])
    assert est.mean == -3.0
    assert est.half_width == pytest.approx(t_quantile(0.975, 4.0755) * math.sqrt(2), abs=1e-3)
    assert welch_diff([1, 1], [2, 2]).low == -1.0  # no spread: a zero-width CI
    assert not welch_diff([1.0], [2.0, 3.0]).has_ci


def test_paired_difference_uses_the_differences():
    est = paired_diff([(11, 10), (13, 10), (12, 10)])  # differences 1, 3, 2
    assert est.mean == 2.0 and est.half_width == pytest.approx(4.3027 / math.sqrt(3), abs=1e-3)
